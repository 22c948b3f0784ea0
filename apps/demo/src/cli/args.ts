import { parseArgs } from 'node:util';
import { usageError } from '../backend.ts';
import { EXAMPLE_SCHEMAS, type ExampleSchema, findSchema } from '../schemas.ts';
import {
  FAULT_DESCRIPTIONS,
  FAULTS,
  type FaultName,
  isFault,
} from '../simulated/simulated-model.ts';

export interface CliOptions {
  readonly help: boolean;
  readonly web: boolean;
  readonly port: number;
  readonly prompt: string;
  readonly schema: ExampleSchema;
  readonly model: string | undefined;
  readonly fallbackModels: readonly string[];
  readonly chunkSize: number | undefined;
  readonly stream: boolean;
  readonly faults: readonly FaultName[];
  readonly maxRetries: number | undefined;
  readonly batch: number | undefined;
  readonly concurrency: number;
  readonly json: boolean;
  /** Print the schema's array elements as they arrive (`elementPath`, `retainElements: false`). */
  readonly elements: boolean;
  readonly baseURL: string | undefined;
  readonly apiKey: string | undefined;
  readonly simulated: boolean;
  readonly paceMs: number | undefined;
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  web: { type: 'boolean' },
  port: { type: 'string' },
  prompt: { type: 'string', short: 'p' },
  schema: { type: 'string', short: 's' },
  model: { type: 'string', short: 'm' },
  fallback: { type: 'string', multiple: true },
  'chunk-size': { type: 'string' },
  stream: { type: 'boolean' },
  fault: { type: 'string', multiple: true },
  'max-retries': { type: 'string' },
  batch: { type: 'string' },
  concurrency: { type: 'string' },
  json: { type: 'boolean' },
  elements: { type: 'boolean' },
  'base-url': { type: 'string' },
  'api-key': { type: 'string' },
  simulated: { type: 'boolean' },
  pace: { type: 'string' },
} as const;

/** The most requests one `--batch` runs: every request keeps its view and result until the end. */
const MAX_BATCH = 1000;

/** The example schemas `--elements` works with: those whose bulk is one array. */
const ELEMENT_SCHEMAS = EXAMPLE_SCHEMAS.filter((schema) => schema.elements !== undefined).map(
  (schema) => schema.id,
);

export const HELP = `structllm demo: stream typed, validated structured output from an LLM.

Usage: pnpm -s demo [options]
       pnpm -s demo --web [--port 3000]
(-s keeps pnpm's banner off stdout and its ELIFECYCLE line off stderr.)

With no API key the demo runs an embedded simulated model: fake OpenAI,
Anthropic and OpenRouter servers on 127.0.0.1, reached through the real
providers; they serve openai/<model>, anthropic/<model> and
openrouter/<vendor>/<model>.
Set OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY to use real
models, or --base-url for Ollama, vLLM or LM Studio.

Request
  -p, --prompt <text>        what to ask (default: one per schema)
  -s, --schema <name>        ${EXAMPLE_SCHEMAS.map((schema) => schema.id).join(' | ')} (default profile)
  -m, --model <name>         e.g. openai/gpt-4o-mini, anthropic/claude-haiku-4-5
      --fallback <name>      a fallback model; repeat or comma-separate for several
      --chunk-size <chars>   minimum new characters between two partials (default 0: every chunk)
      --no-stream            one non-streaming call per attempt
      --max-retries <n>      retries per model after the first try (default 3)
      --batch <n>            run n requests (variants of the prompt; at most ${MAX_BATCH}), each
                             result printed as it completes
      --concurrency <k>      requests streaming at once in a batch (default 2)
      --elements             print each array element as it arrives, once, and keep none
                             (--schema ${ELEMENT_SCHEMAS.join(' | ')} only; not with --batch or --web)

Simulated model (no key)
      --fault <name>         fail each request's first call, to watch it recover (with --batch,
                             every request); repeat to fail its retries too (--fault a
                             --fault b: first call a, second call b, third call succeeds):
${FAULTS.map((fault) => `                               ${fault.padEnd(16)} ${FAULT_DESCRIPTIONS[fault]}`).join('\n')}
      --pace <ms>            milliseconds between chunks (default 6)
      --simulated            use the simulated model even when API keys are set

Backends
      --base-url <url>       an OpenAI-compatible server, e.g. http://localhost:11434/v1
      --api-key <key>        its key, if it wants one (never printed)
  OPENAI_BASE_URL, ANTHROPIC_BASE_URL, OPENROUTER_BASE_URL point a provider whose key
  is set at a proxy or gateway

Output
      --json                 one JSON line per response on stdout (machine-readable);
                             with --elements one line per element, then a summary line
      --web                  serve the web page instead (http://127.0.0.1:<port>)
      --port <n>             web page port (default 3000; 0 picks a free one)
  -h, --help                 this help

Exit codes: 0 success (also when stdout is closed early, as by | head), 1 the request
failed (the error category is printed) or --web could not listen, 2 bad flags or a
model the simulated servers do not serve, 130 interrupted (Ctrl-C; one summary line).`;

function integer(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min) {
    throw usageError(`--${flag} takes a whole number ≥ ${min}, got "${value}"`);
  }
  return parsed;
}

function batchSize(value: string | undefined): number | undefined {
  const size = integer('batch', value, 1);
  if (size !== undefined && size > MAX_BATCH) {
    throw usageError(
      `--batch takes at most ${MAX_BATCH} requests, got ${size}: run several batches for more`,
    );
  }
  return size;
}

const SHORT_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(OPTIONS).flatMap(([name, option]) =>
    'short' in option ? [[`-${option.short}`, `--${name}`]] : [],
  ),
);

/**
 * `--batch -3` as `--batch=-3`: a value that looks like a negative number is a
 * value (which the checks below then refuse with the demo's own message), not
 * an unknown option.
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const long = Object.hasOwn(SHORT_NAMES, arg) ? (SHORT_NAMES[arg] as string) : arg;
    const name = long.startsWith('--') ? long.slice(2) : '';
    const option = Object.hasOwn(OPTIONS, name) ? OPTIONS[name as keyof typeof OPTIONS] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${long}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

function list(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

function parseValues(argv: readonly string[]) {
  return parseArgs({
    args: joinNegativeValues(argv),
    options: OPTIONS,
    allowNegative: true,
    strict: true,
    allowPositionals: false,
  }).values;
}

/** Parses the command line; throws a `usage` error (exit code 2) for anything wrong. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let values: ReturnType<typeof parseValues>;
  try {
    values = parseValues(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(`${message.replace(/\. To specify.*$/s, '')}. Run with --help for the flags.`);
  }
  const schemaId = values.schema ?? 'profile';
  const schema = findSchema(schemaId);
  if (schema === undefined) {
    throw usageError(
      `--schema: unknown example "${schemaId}"; choose one of ${EXAMPLE_SCHEMAS.map((s) => s.id).join(', ')}`,
    );
  }
  const faults = list(values.fault);
  for (const fault of faults) {
    if (!isFault(fault)) {
      throw usageError(`--fault: unknown fault "${fault}"; choose one of ${FAULTS.join(', ')}`);
    }
  }
  const elements = values.elements === true;
  if (elements) {
    if (schema.elements === undefined) {
      throw usageError(
        `--elements needs a schema whose bulk is one array, and "${schema.id}" has none: use --schema ${ELEMENT_SCHEMAS.join(' or --schema ')}`,
      );
    }
    if (values.batch !== undefined)
      throw usageError('--elements streams one request: not with --batch');
    if (values.web === true)
      throw usageError(
        '--elements is for the terminal, not with --web: tick "elements" in the page instead',
      );
  }
  const prompt = values.prompt ?? schema.defaultPrompt;
  if (prompt.trim() === '') throw usageError('--prompt is empty');
  if (values.model?.trim() === '') throw usageError('--model is empty');
  return {
    help: values.help === true,
    web: values.web === true,
    port: integer('port', values.port, 0) ?? 3000,
    prompt,
    schema,
    model: values.model,
    fallbackModels: list(values.fallback),
    chunkSize: integer('chunk-size', values['chunk-size'], 0),
    stream: values.stream !== false,
    faults: faults as FaultName[],
    maxRetries: integer('max-retries', values['max-retries'], 0),
    batch: batchSize(values.batch),
    concurrency: integer('concurrency', values.concurrency, 1) ?? 2,
    json: values.json === true,
    elements,
    baseURL: values['base-url'],
    apiKey: values['api-key'],
    simulated: values.simulated === true,
    paceMs: integer('pace', values.pace, 0),
  };
}
