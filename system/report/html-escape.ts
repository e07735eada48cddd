/**
 * Escaping for the three contexts the report page writes into: HTML text/attributes, JSON inside a
 * <script> element, and third-party JavaScript inlined into a <script> element.
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * JSON that can sit inside <script type="application/json">: `<` is written as \u003c so no string
 * can close the element early ("</script>") or open an HTML comment, and U+2028/2029 are escaped so the
 * text stays valid JavaScript should anyone eval it. JSON.parse reads the escapes back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * A library bundle made safe to inline: its source-map comment is dropped (it names a file the report
 * does not ship, and devtools would try to fetch it), and any `</script` or `<!--` (none today, but a
 * future bundle could carry one inside a string) is split so the HTML parser cannot end the element.
 */
export function inlineScriptSource(source: string): string {
  return source
    .replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n')
    // \x3C reads back as '<' inside strings, template literals and regular expressions alike.
    .replace(/<(\/script|!--)/gi, '\\x3C$1');
}
