export interface PageConfig {
  readonly backend: string;
  readonly simulated: boolean;
  readonly defaultModel: string;
  readonly models: readonly string[];
  /** `elements`: the schema's bulk is one array the page can list item by item. */
  readonly schemas: readonly { id: string; label: string; prompt: string; elements: boolean }[];
  readonly faults: readonly { id: string; label: string }[];
  /** The batch panel's largest batch. */
  readonly maxBatch: number;
}

/** JSON safe to put inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f4f6fb; --surface: #ffffff; --surface-2: #f1f4f9; --border: #dde3ee;
  --text: #172033; --muted: #5b6679; --faint: #6b7588;
  --accent: #2f5fd0; --accent-soft: #e6edfc; --on-accent: #ffffff;
  --ok: #15803d; --ok-soft: #dcf5e6; --bad: #c62828; --bad-soft: #fde3e3;
  --warn: #b45309; --warn-soft: #fdf0d9; --fallback: #7c3aed; --fallback-soft: #efe7fd;
  --off: #64748b; --off-soft: #e8ecf2;
  --skeleton: #e5e9f1; --skeleton-shine: #f3f5f9;
  --code-bg: #0f1522; --code-text: #d7e0f5;
  --shadow: 0 1px 2px rgb(16 24 40 / 0.06), 0 1px 3px rgb(16 24 40 / 0.08);
  --radius: 12px;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --surface: #161b24; --surface-2: #1d2430; --border: #2a3342;
    --text: #e6eaf2; --muted: #a3adbf; --faint: #7c879b;
    --accent: #7aa2ff; --accent-soft: #1f2b47; --on-accent: #0d1117;
    --ok: #4ade80; --ok-soft: #14301f; --bad: #f87171; --bad-soft: #3a1a1d;
    --warn: #fbbf24; --warn-soft: #3a2c10; --fallback: #c4a5ff; --fallback-soft: #2a2142;
    --off: #94a3b8; --off-soft: #252d3a;
    --skeleton: #252d3a; --skeleton-shine: #2f3847;
    --code-bg: #0a0e16; --code-text: #d7e0f5;
    --shadow: 0 1px 3px rgb(0 0 0 / 0.5);
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--accent); }
h2 { font-size: 15px; margin: 0; letter-spacing: 0.01em; }
h3 { margin: 0; }

.top { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 24px; padding: 14px clamp(14px, 3vw, 28px); background: #131a2a; color: #fff; }
.brand { display: flex; align-items: center; gap: 12px; min-width: 0; }
.brand svg { flex: none; }
.brand h1 { font-size: 17px; margin: 0; }
.brand p { margin: 0; color: #aab5cc; font-size: 13px; }
.backend { margin: 0; color: #c4cde0; font-size: 13px; overflow-wrap: anywhere; }
.backend a { color: #9fc0ff; }

.layout { display: grid; grid-template-columns: 320px minmax(0, 1fr); align-items: start; gap: 20px; padding: 20px clamp(14px, 3vw, 28px) 32px; max-width: 1440px; margin: 0 auto; }
.stack { display: grid; gap: 20px; min-width: 0; }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 18px; box-shadow: var(--shadow); min-width: 0; }
.controls { position: sticky; top: 20px; }
.card-head { display: flex; align-items: center; flex-wrap: wrap; gap: 8px 12px; margin-bottom: 12px; }
.card-head .spacer { flex: 1; }

label { display: block; font-weight: 600; margin: 12px 0 4px; font-size: 13px; color: var(--muted); }
input, select, textarea { width: 100%; padding: 8px 10px; border: 1px solid var(--border); border-radius: 8px; font: inherit; font-size: 14px; background: var(--surface); color: var(--text); }
input:focus-visible, select:focus-visible, textarea:focus-visible, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
textarea { min-height: 68px; resize: vertical; }
label.check { display: flex; gap: 8px; align-items: center; color: var(--text); font-weight: 500; }
label.check input { width: auto; margin: 0; }
#elements-field[data-available="false"] label { color: var(--faint); }

.actions { display: grid; gap: 8px; margin-top: 16px; }
.actions .secondary { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; }
button { padding: 9px 12px; border: 1px solid var(--border); border-radius: 8px; font: inherit; font-size: 14px; font-weight: 600; cursor: pointer; background: var(--surface-2); color: var(--text); white-space: nowrap; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
button:disabled { opacity: 0.45; cursor: default; }

.pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 600; background: var(--surface-2); color: var(--muted); border: 1px solid var(--border); }
.pill[data-status="streaming"], .pill[data-status="starting"] { background: var(--accent-soft); color: var(--accent); border-color: transparent; }
.pill[data-status="complete"] { background: var(--ok-soft); color: var(--ok); border-color: transparent; }
.pill[data-status="failed"] { background: var(--bad-soft); color: var(--bad); border-color: transparent; }
.pill[data-status="paused"] { background: var(--warn-soft); color: var(--warn); border-color: transparent; }
.pill[data-status="cancelled"] { background: var(--off-soft); color: var(--off); border-color: var(--off); border-style: dashed; }
#percent { font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }

.bar { height: 14px; background: var(--surface-2); border: 1px solid var(--border); border-radius: 999px; overflow: hidden; }
/* No width transition: a bar eased behind its label lags it (at the end it showed ~60% under "100%"). Updates come every 40 ms. */
.fill { height: 100%; width: 0%; background: var(--accent); border-radius: 999px; }
.bar[data-estimate="schema"] .fill { background-image: repeating-linear-gradient(135deg, rgb(255 255 255 / 0.28) 0 8px, transparent 8px 16px); }
.estimate { margin: 6px 0 0; font-size: 12px; color: var(--muted); min-height: 1em; }
.bar[data-status="complete"] { border-color: var(--ok); }
.bar[data-status="complete"] .fill { background: var(--ok); }
.bar[data-status="paused"] .fill { background: var(--warn); }
.bar[data-status="failed"] { border-color: var(--bad); background: var(--bad-soft); }
.bar[data-status="failed"] .fill { background: var(--bad); }
.bar[data-status="cancelled"] { border-color: var(--off); border-style: dashed; background: var(--off-soft); }
.bar[data-status="cancelled"] .fill { background: repeating-linear-gradient(135deg, var(--off) 0 6px, transparent 6px 10px); }

.stats { display: grid; grid-template-columns: repeat(4, minmax(0, auto)); justify-content: start; gap: 6px 28px; margin: 14px 0 0; font-variant-numeric: tabular-nums; }
.stats div { min-width: 0; }
.stats dt { font-size: 12px; color: var(--muted); }
.stats dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
#wait { color: var(--warn); font-size: 13px; margin: 8px 0 0; }
#wait:empty { display: none; }
#error { color: var(--bad); font-weight: 600; overflow-wrap: anywhere; margin-top: 10px; }
#error[data-status="cancelled"] { color: var(--off); }
#error:empty { display: none; }

.chart { margin-top: 12px; min-height: 170px; position: relative; }
.chart .uplot { font-family: inherit; }
.chart .u-axis { color: var(--muted); }
.marker { position: absolute; top: 0; bottom: 0; width: 0; border-left: 2px dashed var(--warn); pointer-events: none; }
.marker[data-type="fallback"] { border-left-color: var(--fallback); }
.marker span { position: absolute; top: 2px; left: 4px; font-size: 11px; font-weight: 600; padding: 0 5px; border-radius: 4px; background: var(--warn-soft); color: var(--warn); white-space: nowrap; }
.marker[data-type="fallback"] span { background: var(--fallback-soft); color: var(--fallback); }

.events { list-style: none; margin: 12px 0 0; padding: 0; font-size: 13px; max-height: 150px; overflow: auto; display: grid; gap: 4px; }
.events:empty { display: none; }
.events li { display: flex; gap: 8px; align-items: baseline; overflow-wrap: anywhere; min-width: 0; }
.events li::before { content: attr(data-type); flex: none; font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; padding: 1px 6px; border-radius: 4px; background: var(--surface-2); color: var(--muted); }
.events li[data-type="retry"]::before { background: var(--warn-soft); color: var(--warn); }
.events li[data-type="fallback"]::before { background: var(--fallback-soft); color: var(--fallback); }
.events li[data-type="error"]::before { background: var(--bad-soft); color: var(--bad); }
.events li[data-type="complete"]::before { background: var(--ok-soft); color: var(--ok); }

.tabs { display: inline-flex; background: var(--surface-2); border: 1px solid var(--border); border-radius: 9px; padding: 2px; }
.tabs button { border: 0; background: transparent; padding: 5px 14px; border-radius: 7px; color: var(--muted); }
.tabs button[aria-selected="true"] { background: var(--surface); color: var(--text); box-shadow: var(--shadow); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: var(--muted); margin: 0 0 14px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.legend .skel { width: 28px; height: 10px; }
.legend .ok { visibility: visible; }
#result { background: var(--code-bg); color: var(--code-text); padding: 14px; border-radius: 10px; min-height: 240px; max-height: 70vh; overflow: auto; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.empty { color: var(--faint); text-align: center; padding: 48px 12px; border: 1px dashed var(--border); border-radius: 10px; }
#items-count { font-size: 13px; color: var(--muted); margin-top: 12px; }
#items-count:empty { display: none; }

/* Fields: skeleton (not arrived), caret (being written), check (finished, validated). */
.v { min-width: 0; overflow-wrap: anywhere; }
[data-state="pending"] > .v { display: inline-block; min-width: 6em; height: 0.9em; vertical-align: middle; border-radius: 4px; color: transparent; }
.skel, [data-state="pending"] > .v { background: linear-gradient(90deg, var(--skeleton) 0%, var(--skeleton-shine) 50%, var(--skeleton) 100%) 0 0 / 200% 100%; animation: shine 1.4s linear infinite; border-radius: 4px; }
[data-state="writing"] > .v::after { content: ""; display: inline-block; width: 2px; height: 1em; margin-left: 2px; vertical-align: -2px; background: var(--accent); animation: blink 1s steps(1) infinite; }
.ok { display: inline-grid; place-items: center; flex: none; width: 16px; height: 16px; border-radius: 50%; background: var(--ok-soft); color: var(--ok); font-size: 10px; font-weight: 800; visibility: hidden; }
.ok::before { content: "✓"; }
[data-state="final"] > .ok { visibility: visible; }
/* A run that ended: what never arrived stays a still placeholder, and no caret blinks. */
#view[data-ended] [data-state="pending"] > .v { animation: none; opacity: 0.6; }
#view[data-ended] [data-state="writing"] > .v::after { display: none; }
@keyframes shine { to { background-position: -200% 0; } }
@keyframes blink { 50% { opacity: 0; } }
@keyframes rise { from { opacity: 0; transform: translateY(6px); } }
@media (prefers-reduced-motion: reduce) { *, *::before, *::after { animation: none !important; transition: none !important; } }

.field { display: flex; align-items: baseline; gap: 8px; min-width: 0; }
.field > .k { flex: none; width: 6.5em; font-size: 12px; color: var(--muted); }
.field > .v { flex: 1; }
.field > .v.badge { flex: none; }

.profile { display: grid; gap: 16px; }
.profile-head { display: flex; gap: 14px; align-items: center; min-width: 0; }
.avatar { flex: none; width: 56px; height: 56px; border-radius: 50%; display: grid; place-items: center; font-weight: 700; font-size: 20px; background: var(--accent-soft); color: var(--accent); }
.profile-head .who { min-width: 0; display: grid; gap: 4px; }
.profile-head h3 { font-size: 20px; }
.profile-head .field > .v { flex: none; }
.profile-head [data-state="pending"] > .v { width: 12em; }
.profile-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 10px 24px; padding: 14px 0; border-top: 1px solid var(--border); border-bottom: 1px solid var(--border); }
.chips { display: flex; flex-wrap: wrap; gap: 6px; min-width: 0; }
.chip { display: inline-flex; align-items: center; gap: 5px; padding: 2px 10px; border-radius: 999px; background: var(--surface-2); border: 1px solid var(--border); font-size: 13px; animation: rise 160ms ease-out; max-width: 100%; overflow-wrap: anywhere; }
.chip[data-state="final"] { border-color: color-mix(in srgb, var(--ok) 45%, var(--border)); }
.chip .ok { width: 13px; height: 13px; font-size: 8px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 6px; font-size: 12px; font-weight: 600; background: var(--accent-soft); color: var(--accent); }
.section-title { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); margin: 0 0 8px; display: flex; align-items: center; gap: 8px; }

.catalogue-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; margin-bottom: 14px; }
.catalogue-head h3 { font-size: 19px; }
.catalogue-head .field > .k { width: auto; }
.products { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
.product { border: 1px solid var(--border); border-radius: 10px; padding: 12px; display: grid; gap: 8px; align-content: start; background: var(--surface); animation: rise 220ms ease-out; min-width: 0; }
.product[data-state="final"] { border-color: color-mix(in srgb, var(--ok) 40%, var(--border)); }
.product-top { display: flex; justify-content: space-between; gap: 8px; font-size: 12px; color: var(--muted); }
.product h4 { margin: 0; font-size: 15px; display: flex; gap: 6px; align-items: baseline; }
.product h4 .v { flex: 1; }
.product-meta { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; }
.price { font-size: 18px; font-weight: 700; font-variant-numeric: tabular-nums; }
.stock[data-in="true"] { color: var(--ok); }
.stock[data-in="false"] { color: var(--bad); }
.desc { font-size: 13px; color: var(--muted); }
.product .chip { font-size: 11px; padding: 1px 8px; }

.report { display: grid; gap: 16px; }
.report h3 { font-size: 19px; }
.report-sections { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; }
.report-section { border: 1px solid var(--border); border-radius: 10px; padding: 12px; display: grid; gap: 10px; align-content: start; animation: rise 220ms ease-out; min-width: 0; }
.report-section h4 { margin: 0; display: flex; gap: 6px; align-items: baseline; }
.report-section h4 .v { flex: 1; }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(110px, 1fr)); gap: 8px; }
.metric { background: var(--surface-2); border-radius: 8px; padding: 8px 10px; display: grid; gap: 2px; min-width: 0; animation: rise 160ms ease-out; }
.metric .name { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.metric .value { font-size: 17px; font-weight: 700; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.metric .change[data-sign="up"] { color: var(--ok); }
.metric .change[data-sign="down"] { color: var(--bad); }
.metric .change { font-size: 12px; font-weight: 600; }
.list { margin: 0; padding: 0; list-style: none; display: grid; gap: 6px; font-size: 14px; }
.list li { display: flex; gap: 8px; align-items: baseline; animation: rise 160ms ease-out; min-width: 0; }
.list li .v { flex: 1; }
.sev { flex: none; font-size: 11px; font-weight: 700; text-transform: uppercase; padding: 1px 6px; border-radius: 4px; background: var(--surface-2); color: var(--muted); }
.sev[data-sev="high"] { background: var(--bad-soft); color: var(--bad); }
.sev[data-sev="medium"] { background: var(--warn-soft); color: var(--warn); }
.sev[data-sev="low"] { background: var(--ok-soft); color: var(--ok); }
.two { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }

.batch-form { display: flex; flex-wrap: wrap; align-items: end; gap: 10px 14px; }
.batch-form label { margin: 0 0 4px; }
.batch-form input { width: 90px; }
.batch-form p { margin: 0; font-size: 13px; color: var(--muted); flex: 1 1 220px; }
.batch-bars { list-style: none; margin: 14px 0 0; padding: 0; display: grid; gap: 8px; }
.batch-bars:empty { display: none; }
.batch-row { display: grid; grid-template-columns: 2.5em minmax(0, 1fr) 7.5em; gap: 10px; align-items: center; font-size: 13px; font-variant-numeric: tabular-nums; }
.batch-row .n { color: var(--muted); font-weight: 600; }
.batch-row .state { color: var(--muted); overflow-wrap: anywhere; }
.batch-row[data-status="complete"] .state { color: var(--ok); }
.batch-row[data-status="failed"] .state { color: var(--bad); }
#batch-summary { font-size: 13px; color: var(--muted); margin: 10px 0 0; }
#batch-summary:empty { display: none; }

@media (max-width: 900px) {
  .layout { grid-template-columns: minmax(0, 1fr); }
  .controls { position: static; }
}
@media (max-width: 560px) {
  .layout { padding: 12px 10px 24px; gap: 12px; }
  .stack { gap: 12px; }
  .card { padding: 14px; }
  .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 6px 16px; }
  .profile-grid, .two { grid-template-columns: minmax(0, 1fr); }
  .products { grid-template-columns: minmax(0, 1fr); }
  .report-sections { grid-template-columns: minmax(0, 1fr); }
  .field > .k { width: 5.5em; }
}
`;

/** The demo page: HTML and CSS; the behaviour is the browser module `client.ts`, served as /assets/client.js. */
export function renderPage(config: PageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>structllm demo — streaming structured output</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/uplot.css">
<style>${STYLE}</style>
</head>
<body>
<header class="top">
  <div class="brand">
    <svg width="32" height="32" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" fill="#2f5fd0"/><rect x="6" y="13" width="20" height="6" rx="3" fill="#fff" opacity=".35"/><rect x="6" y="13" width="13" height="6" rx="3" fill="#fff"/></svg>
    <div><h1>structllm</h1><p>Typed, validated structured output, shown as it streams</p></div>
  </div>
  <p id="backend" class="backend">Using ${html(config.backend)} · <a href="/react">the React page</a> · <a href="/metrics">/metrics</a></p>
</header>
<main class="layout">
  <section class="card controls" aria-labelledby="request-title">
    <h2 id="request-title">Request</h2>
    <form id="form">
      <label for="schema">Schema</label>
      <select id="schema" name="schema"></select>
      <label for="prompt">Prompt</label>
      <textarea id="prompt" name="prompt"></textarea>
      <label for="model">Model</label>
      <input id="model" name="model" list="models" autocomplete="off">
      <datalist id="models"></datalist>
      <label for="fallback">Fallback models (comma-separated)</label>
      <input id="fallback" name="fallback" autocomplete="off">
      <label for="max-retries">Retries per model</label>
      <input id="max-retries" name="maxRetries" type="number" min="0" max="10" value="3">
      <div id="fault-field">
        <label for="fault">Inject a fault into the first request</label>
        <select id="fault" name="fault"></select>
      </div>
      <div id="elements-field">
        <label class="check"><input id="elements" name="elements" type="checkbox"> Deliver the products one by one (elements)</label>
      </div>
      <div class="actions">
        <button id="run" class="primary" type="submit">Run</button>
        <div class="secondary">
          <button id="pause" type="button">Pause</button>
          <button id="resume" type="button">Resume</button>
          <button id="cancel" type="button">Cancel</button>
        </div>
      </div>
    </form>
  </section>
  <div class="stack">
    <section class="card" aria-labelledby="progress-title">
      <div class="card-head">
        <h2 id="progress-title">Progress</h2>
        <span id="status" class="pill" role="status" data-status="idle">idle</span>
        <span class="spacer"></span>
        <span id="percent">0%</span>
      </div>
      <div id="bar" class="bar" role="progressbar" aria-labelledby="progress-title" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0" data-status="idle"><div id="fill" class="fill"></div></div>
      <dl class="stats">
        <div><dt>elapsed</dt><dd id="elapsed">0.0 s</dd></div>
        <div><dt>text events</dt><dd id="text-events">0</dd></div>
        <div><dt>attempt</dt><dd id="attempt">1</dd></div>
        <div><dt>model</dt><dd id="model-shown">${html(config.defaultModel)}</dd></div>
      </dl>
      <p id="estimate" class="estimate"></p>
      <p id="wait" aria-live="polite"></p>
      <div id="error" role="alert"></div>
      <div id="chart" class="chart" role="img" aria-label="Progress over time, with retries and fallbacks marked"></div>
      <ol id="events" class="events" aria-label="Lifecycle events"></ol>
    </section>
    <section class="card" aria-labelledby="result-title">
      <div class="card-head">
        <h2 id="result-title">Result</h2>
        <span class="spacer"></span>
        <div class="tabs" role="tablist" aria-label="Result as">
          <button id="tab-view" type="button" role="tab" aria-selected="true" aria-controls="view">Cards</button>
          <button id="tab-json" type="button" role="tab" aria-selected="false" aria-controls="result">JSON</button>
        </div>
      </div>
      <p class="legend"><span><i class="skel" aria-hidden="true"></i> not arrived yet</span><span><i class="ok" aria-hidden="true"></i> finished and validated</span></p>
      <div id="view" role="tabpanel" aria-labelledby="tab-view"><p class="empty">Run a request: the object appears here field by field as the model writes it.</p></div>
      <pre id="result" role="tabpanel" aria-labelledby="tab-json" hidden></pre>
      <div id="items-count" aria-live="polite"></div>
    </section>
    <section class="card" aria-labelledby="batch-title">
      <div class="card-head"><h2 id="batch-title">Batch</h2></div>
      <form id="batch-form" class="batch-form">
        <div><label for="batch-count">Requests</label><input id="batch-count" type="number" min="1" max="${config.maxBatch}" value="4"></div>
        <div><label for="batch-concurrency">At once</label><input id="batch-concurrency" type="number" min="1" max="${config.maxBatch}" value="2"></div>
        <button id="batch-run" type="submit">Run batch</button>
        <p>Variants of the prompt through <code>routeStructuredBatch</code>, with the schema, model and fault chosen above.</p>
      </form>
      <ol id="batch-bars" class="batch-bars" aria-label="Batch requests"></ol>
      <p id="batch-summary" aria-live="polite"></p>
    </section>
  </div>
</main>
<script type="application/json" id="config">${scriptJson(config)}</script>
<script src="/assets/uplot.js"></script>
<script type="importmap">{"imports":{"@structllm/http/client":"/assets/structllm-http-client.js"}}</script>
<script type="module" src="/assets/client.js"></script>
</body>
</html>`;
}
