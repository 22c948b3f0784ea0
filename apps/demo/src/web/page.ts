export interface PageConfig {
  readonly backend: string;
  readonly simulated: boolean;
  readonly defaultModel: string;
  readonly models: readonly string[];
  /** `elements`: the schema's bulk is one array the page can list item by item. */
  readonly schemas: readonly { id: string; label: string; prompt: string; elements: boolean }[];
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
:root { color-scheme: light; --accent: #2f6fde; --ok: #1d9a5b; --bad: #d0353f; --warn: #c77d0a; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: #f3f5f9; color: #1c2230; }
header { background: #1c2230; color: #fff; padding: 14px 24px; }
header h1 { font-size: 18px; margin: 0; }
header p { margin: 4px 0 0; color: #b9c2d6; font-size: 13px; }
main { display: grid; grid-template-columns: minmax(280px, 360px) minmax(0, 1fr); align-items: start; gap: 20px; padding: 20px 24px; }
section { background: #fff; border-radius: 10px; padding: 16px; box-shadow: 0 1px 3px rgb(0 0 0 / 0.08); }
label { display: block; font-weight: 600; margin: 10px 0 4px; font-size: 13px; }
input, select, textarea { width: 100%; padding: 7px 9px; border: 1px solid #c9d0de; border-radius: 6px; font: inherit; }
textarea { min-height: 64px; resize: vertical; }
.buttons { display: flex; gap: 8px; margin-top: 14px; flex-wrap: wrap; }
button { padding: 8px 14px; border: 0; border-radius: 6px; font: inherit; font-weight: 600; cursor: pointer; background: #e3e8f2; color: #1c2230; }
button.primary { background: var(--accent); color: #fff; }
button:disabled { opacity: 0.45; cursor: default; }
#bar { height: 22px; background: #e3e8f2; border-radius: 11px; overflow: hidden; }
#fill { height: 100%; width: 0%; background: linear-gradient(90deg, #4f8cf0, var(--accent)); transition: width 80ms linear; }
#bar[data-status="complete"] #fill { background: var(--ok); }
#bar[data-status="failed"] #fill { background: var(--bad); }
#bar[data-status="paused"] #fill { background: var(--warn); }
.stats { display: flex; gap: 18px; flex-wrap: wrap; margin: 10px 0; font-variant-numeric: tabular-nums; }
.stats b { font-weight: 600; }
#status { display: inline-block; padding: 2px 10px; border-radius: 999px; background: #e3e8f2; font-weight: 600; }
#status[data-status="complete"] { background: #d5f3e3; color: var(--ok); }
#status[data-status="failed"] { background: #fbdcde; color: var(--bad); }
#status[data-status="paused"] { background: #fbecd0; color: var(--warn); }
#events { margin: 8px 0; padding-left: 20px; font-size: 13px; max-height: 140px; overflow: auto; }
#events li[data-type="retry"], #events li[data-type="fallback"] { color: var(--warn); }
#events li[data-type="error"] { color: var(--bad); }
#events li[data-type="complete"] { color: var(--ok); }
#result { background: #10141d; color: #d7e0f5; padding: 14px; border-radius: 8px; min-height: 240px; max-height: 60vh; overflow: auto; font: 13px/1.4 ui-monospace, monospace; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
#error { color: var(--bad); font-weight: 600; min-height: 1em; }
label.check { display: flex; gap: 8px; align-items: center; font-weight: 600; }
label.check input { width: auto; }
#items { margin: 8px 0; padding-left: 0; list-style: none; font: 13px/1.5 ui-monospace, monospace; max-height: 220px; overflow: auto; }
#items li { padding: 1px 0; }
#items li b { display: inline-block; min-width: 3.5em; color: #6a7489; font-weight: 600; }
#items-count { font-size: 13px; color: #6a7489; }
a { color: var(--accent); }
`;

const SCRIPT = `
const config = JSON.parse(document.getElementById('config').textContent);
const $ = (id) => document.getElementById(id);
const form = $('form');
const schemaSelect = $('schema');
for (const schema of config.schemas) schemaSelect.add(new Option(schema.label, schema.id));
const modelList = $('models');
for (const model of config.models) modelList.append(new Option(model));
$('model').placeholder = config.defaultModel;
const faultSelect = $('fault');
faultSelect.add(new Option('none', ''));
for (const fault of config.faults) faultSelect.add(new Option(fault.label, fault.id));
if (config.faults.length === 0) $('fault-field').hidden = true;
const chosenSchema = () => config.schemas.find((s) => s.id === schemaSelect.value);
const promptFor = () => chosenSchema()?.prompt ?? '';
// The elements checkbox only for a schema whose bulk is one array.
const syncSchema = () => {
  $('prompt').placeholder = promptFor();
  const streamable = chosenSchema()?.elements === true;
  $('elements').disabled = !streamable;
  $('elements-field').dataset.available = String(streamable);
};
syncSchema();
schemaSelect.addEventListener('change', syncSchema);

const money = (price, currency) => {
  try { return new Intl.NumberFormat('en', { style: 'currency', currency }).format(price); }
  catch { return price + ' ' + currency; }
};
function addItem(index, value) {
  const item = document.createElement('li');
  item.dataset.index = String(index);
  const label = document.createElement('b');
  label.textContent = '#' + index;
  const name = value && typeof value === 'object' ? (value.name ?? value.title) : undefined;
  const text = typeof name === 'string'
    ? name + (typeof value.price === 'number' && typeof value.currency === 'string' ? '  ' + money(value.price, value.currency) : '')
    : JSON.stringify(value);
  item.append(label, text);
  $('items').append(item);
  $('items').scrollTop = $('items').scrollHeight;
  $('items-count').textContent = $('items').children.length + ' items so far';
}

let runId = null;
let source = null;
let timer = null;
let startedAt = 0;

function setStatus(status) {
  $('status').textContent = status;
  $('status').dataset.status = status;
  $('bar').dataset.status = status;
  const running = status === 'streaming' || status === 'paused' || status === 'starting';
  $('run').disabled = running;
  $('pause').disabled = status !== 'streaming';
  $('resume').disabled = status !== 'paused';
  $('cancel').disabled = !running;
}

function setProgress(percent) {
  const value = Math.max(0, Math.min(100, percent));
  $('fill').style.width = value + '%';
  $('bar').setAttribute('aria-valuenow', value.toFixed(1));
  $('percent').textContent = value.toFixed(0) + '%';
}

function addEvent(type, message) {
  const item = document.createElement('li');
  item.dataset.type = type;
  item.textContent = type + ': ' + message;
  $('events').append(item);
  $('events').scrollTop = $('events').scrollHeight;
}

function finish(status) {
  setStatus(status);
  clearInterval(timer);
  if (source) source.close();
  source = null;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  $('events').replaceChildren();
  $('result').textContent = '';
  $('items').replaceChildren();
  const elements = $('elements').checked && !$('elements').disabled;
  $('items-panel').hidden = !elements;
  $('items-count').textContent = '';
  setProgress(0);
  $('attempt').textContent = '1';
  $('chunks').textContent = '0';
  setStatus('starting');
  const response = await fetch('/api/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      prompt: $('prompt').value,
      schema: schemaSelect.value,
      model: $('model').value,
      fallback: $('fallback').value,
      fault: faultSelect.value,
      maxRetries: Number($('max-retries').value),
      elements,
    }),
  });
  const body = await response.json();
  if (!response.ok) {
    $('error').textContent = body.error;
    setStatus('idle');
    return;
  }
  runId = body.id;
  $('model-shown').textContent = body.model;
  startedAt = performance.now();
  timer = setInterval(() => {
    $('elapsed').textContent = ((performance.now() - startedAt) / 1000).toFixed(1) + ' s';
  }, 100);
  source = new EventSource('/api/runs/' + runId + '/events');
  source.addEventListener('status', (e) => setStatus(JSON.parse(e.data).status));
  source.addEventListener('event', (e) => {
    const data = JSON.parse(e.data);
    addEvent(data.eventType, data.message);
  });
  source.addEventListener('element', (e) => {
    const data = JSON.parse(e.data);
    addItem(data.index, data.value);
  });
  source.addEventListener('response', (e) => {
    const data = JSON.parse(e.data);
    setProgress(data.progressPercent);
    $('attempt').textContent = String(data.attempt);
    $('model-shown').textContent = data.model;
    $('chunks').textContent = String(data.chunks);
    if (data.partialResult !== undefined) {
      // Follow the end of the object, where the model is writing.
      $('result').textContent = JSON.stringify(data.partialResult, null, 2);
      $('result').scrollTop = $('result').scrollHeight;
    }
  });
  source.addEventListener('done', (e) => {
    const data = JSON.parse(e.data);
    $('elapsed').textContent = (data.elapsedMs / 1000).toFixed(1) + ' s';
    $('result').textContent = JSON.stringify(data.result, null, 2);
    $('result').scrollTop = 0;
    if (data.elementCount !== undefined) {
      $('items-count').textContent = data.elementCount + ' items, each listed once as it arrived; none kept (the result holds the array empty)';
    }
    finish('complete');
  });
  source.addEventListener('failed', (e) => {
    const data = JSON.parse(e.data);
    $('error').textContent = data.category + ': ' + data.message;
    finish(data.category === 'aborted' ? 'cancelled' : 'failed');
  });
  source.onerror = () => { if (source && source.readyState === EventSource.CLOSED) finish('failed'); };
});

async function control(action) {
  if (!runId) return;
  const response = await fetch('/api/runs/' + runId + '/' + action, { method: 'POST' });
  if (response.ok) {
    const body = await response.json();
    if (action !== 'cancel') setStatus(body.status);
  }
}
$('pause').addEventListener('click', () => control('pause'));
$('resume').addEventListener('click', () => control('resume'));
$('cancel').addEventListener('click', () => control('cancel'));
setStatus('idle');
`;

/** The demo page: plain HTML, CSS and a small script (no build step). */
export function renderPage(config: PageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>structllm demo</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>structllm — streaming structured output</h1>
  <p id="backend">Using ${config.backend.replace(/&/g, '&amp;').replace(/</g, '&lt;')} · <a href="/metrics" style="color:#9fc0ff">/metrics</a></p>
</header>
<main>
  <section>
    <form id="form">
      <label for="prompt">Prompt</label>
      <textarea id="prompt" name="prompt"></textarea>
      <label for="schema">Schema</label>
      <select id="schema" name="schema"></select>
      <label for="model">Model</label>
      <input id="model" name="model" list="models" autocomplete="off">
      <datalist id="models"></datalist>
      <label for="fallback">Fallback models (comma-separated)</label>
      <input id="fallback" name="fallback" autocomplete="off">
      <label for="max-retries">Retries per model</label>
      <input id="max-retries" name="maxRetries" type="number" min="0" max="10" value="3">
      <div id="elements-field">
        <label class="check"><input id="elements" name="elements" type="checkbox"> List the items as they arrive (elements)</label>
      </div>
      <div id="fault-field">
        <label for="fault">Inject a fault into the first request</label>
        <select id="fault" name="fault"></select>
      </div>
      <div class="buttons">
        <button id="run" class="primary" type="submit">Run</button>
        <button id="pause" type="button">Pause</button>
        <button id="resume" type="button">Resume</button>
        <button id="cancel" type="button">Cancel</button>
      </div>
    </form>
  </section>
  <section>
    <div id="bar" role="progressbar" aria-label="progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div id="fill"></div></div>
    <div class="stats">
      <span>status <b id="status">idle</b></span>
      <span><b id="percent">0%</b></span>
      <span>elapsed <b id="elapsed">0.0 s</b></span>
      <span>chunks <b id="chunks">0</b></span>
      <span>attempt <b id="attempt">1</b></span>
      <span>model <b id="model-shown">${config.defaultModel.replace(/</g, '&lt;')}</b></span>
    </div>
    <div id="error" role="alert"></div>
    <ol id="events"></ol>
    <div id="items-panel" hidden>
      <ol id="items" aria-label="items as they arrive"></ol>
      <div id="items-count"></div>
    </div>
    <pre id="result" aria-label="result"></pre>
  </section>
</main>
<script type="application/json" id="config">${scriptJson(config)}</script>
<script>${SCRIPT}</script>
</body>
</html>`;
}
