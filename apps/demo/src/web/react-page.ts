/** What the React page is given by the server (as JSON in the page). */
export interface ReactPageConfig {
  readonly schemas: readonly { id: string; label: string; prompt: string }[];
  /** Empty unless the demo runs the embedded simulated model. */
  readonly faults: readonly { id: string; label: string }[];
}

/** JSON safe to put inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

const STYLE = `
:root { color-scheme: light dark; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 16px; max-width: 860px; }
header { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; justify-content: space-between; }
h1 { font-size: 20px; margin: 0 0 8px; overflow-wrap: anywhere; }
form { display: grid; gap: 10px; margin: 16px 0; }
label { display: grid; gap: 4px; font-size: 13px; font-weight: 600; min-width: 0; }
input, select, textarea, button { font: inherit; font-weight: 400; padding: 6px 8px; }
input, select, textarea { width: 100%; min-width: 0; }
textarea { min-height: 60px; }
.buttons { display: flex; gap: 8px; }
.bar { display: flex; gap: 10px; align-items: center; }
progress { flex: 1; height: 14px; }
#percent { min-width: 3em; text-align: right; font-variant-numeric: tabular-nums; }
#status { font-weight: 700; }
#status[data-status="complete"] { color: #15803d; }
#status[data-status="failed"], #error { color: #c62828; }
#run-id { overflow-wrap: anywhere; }
.note { font-size: 12px; opacity: 0.75; }
pre { background: rgb(127 127 127 / 0.12); padding: 12px; border-radius: 8px; min-height: 120px; white-space: pre-wrap; overflow-wrap: anywhere; }
`;

/** The React page's HTML: the app itself is /assets/react-app.js (`react-app.tsx`, bundled). */
export function renderReactPage(config: ReactPageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>structllm demo — React</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>structllm with React: <code>useStructuredStream</code></h1>
  <a href="/">the full demo page</a>
</header>
<div id="root"></div>
<script type="application/json" id="config">${scriptJson(config)}</script>
<script type="module" src="/assets/react-app.js"></script>
</body>
</html>`;
}
