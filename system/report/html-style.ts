/**
 * The report page's stylesheet. Charts keep their natural pixel size (the interactive view maps the
 * pointer in unscaled pixels, so zoom and legend clicks would miss on a CSS-scaled chart); the 3FS
 * figure sits beside the chart when the window is wide enough and below it otherwise.
 */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 24px 32px; color: #222; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #e3e3e3; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.subtitle { color: #555; margin: 0 0 16px; }
table.kv { border-collapse: collapse; font-size: 13px; }
table.kv th { text-align: left; font-weight: 600; padding: 2px 16px 2px 0; vertical-align: top; white-space: nowrap; }
table.kv td { padding: 2px 0; font-variant-numeric: tabular-nums; }
.tables { display: flex; flex-wrap: wrap; gap: 8px 48px; }
.notes p { max-width: 900px; font-size: 14px; }
nav ul { padding-left: 20px; margin: 4px 0; font-size: 14px; }
.pair { display: flex; flex-wrap: wrap; gap: 16px 24px; align-items: flex-start; }
figure { margin: 0; }
figcaption { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; color: #666; margin-bottom: 4px; }
figure.measured { flex: 0 0 auto; }
figure.published { flex: 1 1 520px; max-width: 900px; }
figure.published img { width: 100%; height: auto; border: 1px solid #e3e3e3; }
figure.published p { font-size: 13px; color: #444; margin: 4px 0 0; }
.chart.interactive .static { display: none; }
.downloads, .files { font-size: 13px; margin: 4px 0 0; }
a { color: #1f77b4; }
`;
