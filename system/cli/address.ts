/** Parses `host:port` (IPv6 as `[::1]:port`). */
export function parseAddress(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || !(port >= 0 && port <= 65535)) throw new Error(`bad address '${text}': expected host:port`);
  return { host: match[1] ?? match[2]!, port };
}

/** Parses `id=host:port,id=host:port` into an address book. */
export function parsePeers(text: string): Record<string, { host: string; port: number }> {
  const peers: Record<string, { host: string; port: number }> = {};
  for (const entry of text.split(',').filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new Error(`bad peer '${entry}': expected id=host:port`);
    peers[entry.slice(0, at)] = parseAddress(entry.slice(at + 1));
  }
  return peers;
}
