import type { ProgressEvent, StructuredLLMError } from '@structllm/core';
import { createLogUpdate } from 'log-update';
import picocolors from 'picocolors';

/** What the CLI knows about one request while it runs. */
export interface RequestView {
  readonly index: number;
  percent: number;
  chunks: number;
  attempt: number;
  model: string;
  partial: unknown;
  /** `cancelled`: ended by Ctrl-C (or SIGTERM), reported by one summary line instead of a failure. */
  status: 'waiting' | 'streaming' | 'paused' | 'complete' | 'failed' | 'cancelled';
  startedAt: number | undefined;
  endedAt: number | undefined;
  error: StructuredLLMError | undefined;
  /** What the percent rests on (the engine's `estimate` on progress events): the schema alone, or learned sizes. */
  estimate: 'schema' | 'learned' | undefined;
  /** Retries, fallbacks and failures, as lines. */
  readonly notes: string[];
  /** `--elements`: elements printed so far. */
  elementsPrinted: number;
  /** `--elements`: the engine's count of valid elements delivered (`elementCount` on the final response). */
  elementCount: number | undefined;
  /** `--elements`: elements a retry wrote differently (the first version was kept). */
  replacedElements: number;
}

/**
 * `42%`, or `~42%` while the percent is estimated from the schema alone (the first
 * answer of this response model in this process): a rough figure, and says so.
 */
function percentText(view: RequestView): string {
  const rough = view.estimate === 'schema' && view.status !== 'complete' ? '~' : '';
  return `${rough}${view.percent.toFixed(0)}%`.padStart(4);
}

export function newView(index: number, model: string): RequestView {
  return {
    index,
    percent: 0,
    chunks: 0,
    attempt: 1,
    model,
    partial: undefined,
    status: 'waiting',
    startedAt: undefined,
    endedAt: undefined,
    error: undefined,
    estimate: undefined,
    notes: [],
    elementsPrinted: 0,
    elementCount: undefined,
    replacedElements: 0,
  };
}

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** 0 or undefined in some CI terminals: see `screenSize`. */
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

/** Columns and rows to draw in: a terminal that reports 0 or nothing (some CI ptys) gets 80 × 24. */
function screenSize(out: Output): { readonly columns: number; readonly rows: number } {
  const columns = out.columns !== undefined && out.columns > 0 ? out.columns : 80;
  const rows = out.rows !== undefined && out.rows > 0 ? out.rows : 24;
  return { columns, rows };
}

/** Colours only for a terminal, and not when NO_COLOR is set (picocolors' own check looks at process.stdout). */
export function colorsFor(out: Output, env: Readonly<Record<string, string | undefined>>) {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return picocolors.createColors(out.isTTY === true && !noColor);
}

export interface Renderer {
  /** A response or progress event changed the view. */
  update(view: RequestView): void;
  /** A lifecycle event worth a line of its own (retry, fallback, error); `detail` is appended. */
  note(view: RequestView, event: ProgressEvent, detail?: string): void;
  /** `--elements`: one element arrived, as a line (printed once, kept on screen). */
  element(view: RequestView, line: string): void;
  /** Every request ended (or was cancelled): what is left to print. */
  finish(views: readonly RequestView[]): void;
}

function elapsed(view: RequestView, now: number): string {
  if (view.startedAt === undefined) return '0.0s';
  return `${(((view.endedAt ?? now) - view.startedAt) / 1000).toFixed(1)}s`;
}

function label(view: RequestView, batch: boolean): string {
  return batch ? `#${view.index + 1} ` : '';
}

/** One-line JSON preview cut to a width. */
function preview(value: unknown, width: number): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}

/** `--elements`: which array is streamed, for the summary lines. */
export interface ElementsDisplay {
  /** What one element is called, plural ('products'). */
  readonly noun: string;
}

/** The line ending an `--elements` run: the engine's count and the (array-less) value. */
function elementsSummary(view: RequestView, display: ElementsDisplay, width: number): string {
  const count = view.elementCount ?? view.elementsPrinted;
  if (view.status !== 'complete') {
    return `${count} ${display.noun} printed before the failure`;
  }
  const replaced =
    view.replacedElements > 0
      ? `; ${view.replacedElements} re-written differently by a retry (the first version was kept)`
      : '';
  return `${count} ${display.noun} printed as they arrived, each once${replaced}; none kept (retainElements: false), so the result holds the array empty: ${preview(view.partial, width)}`;
}

/**
 * The attempts of a failed request. The error's message is left to the one
 * `error: failed [category]: …` line on stderr; an attempt's message shows here
 * only when it differs from it (an earlier, different failure).
 */
function failureLines(view: RequestView): string[] {
  const error = view.error;
  if (error === undefined) return [];
  const tries = error.attempts.length;
  const lines = [
    `error [${error.category}]${tries === 0 ? '' : ` after ${tries} attempt${tries === 1 ? '' : 's'}`}`,
  ];
  for (const attempt of error.attempts) {
    const message =
      attempt.message === undefined || attempt.message === error.message
        ? ''
        : ` — ${attempt.message}`;
    lines.push(
      `  attempt ${attempt.attempt} on ${attempt.model}: ${attempt.category ?? 'ok'}${message}`,
    );
  }
  return lines;
}

/** The line ending a batch that ran to its end (an interrupted one gets the interruption's line instead). */
function batchSummary(views: readonly RequestView[]): string | undefined {
  if (views.some((view) => !isFinal(view))) return undefined;
  const failed = views.filter((view) => view.status === 'failed').length;
  return `${views.length} requests: ${views.length - failed} complete, ${failed} failed`;
}

function isFinal(view: RequestView): boolean {
  return view.status === 'complete' || view.status === 'failed';
}

/** Live redraw in a terminal: a progress bar per request and the growing object (log-update, picocolors). */
export function createTtyRenderer(
  out: Output,
  options: {
    readonly batch: boolean;
    readonly now?: () => number;
    readonly env?: Readonly<Record<string, string | undefined>>;
    /** `--elements`: elements are printed above the bar instead of the growing object. */
    readonly elements?: ElementsDisplay;
  },
): Renderer {
  const colors = colorsFor(out, options.env ?? {});
  // log-update wraps to `columns` and draws nothing when `rows` is 0: give it a sane size.
  const screen = {
    isTTY: true,
    get columns() {
      return screenSize(out).columns;
    },
    get rows() {
      return screenSize(out).rows;
    },
    write: (text: string) => out.write(text),
  };
  const log = createLogUpdate(screen as unknown as NodeJS.WriteStream, { showCursor: false });
  const now = options.now ?? Date.now;
  /** The requests on the live frame: with --batch, only those still running. */
  const views = new Map<number, RequestView>();
  const notes: string[] = [];
  /** --batch: requests whose result is printed, and how many ended each way. */
  const printed = new Set<number>();
  let last = 0;
  let timer: NodeJS.Timeout | undefined;

  const bar = (view: RequestView): string => {
    const width = 24;
    const filled = Math.round((view.percent / 100) * width);
    const color =
      view.status === 'failed'
        ? colors.red
        : view.status === 'complete'
          ? colors.green
          : colors.cyan;
    const state =
      view.status === 'paused'
        ? colors.yellow(' paused')
        : view.status === 'failed'
          ? colors.red(` ${view.error?.category ?? 'failed'}`)
          : view.status === 'cancelled'
            ? colors.yellow(' cancelled')
            : '';
    return `${label(view, options.batch)}${color('█'.repeat(filled))}${colors.dim('░'.repeat(width - filled))} ${percentText(view)}  ${colors.dim(elapsed(view, now()))}  ${view.chunks} chunks  ${colors.dim('attempt')} ${view.attempt} ${colors.dim('·')} ${colors.magenta(view.model)}${state}`;
  };

  /** --batch: the result line of one request, printed once it ended. */
  const resultLine = (view: RequestView): string =>
    view.status === 'complete'
      ? `${colors.green('✔')} ${label(view, true)}${preview(view.partial, screenSize(out).columns - 8)}`
      : `${colors.red('✖')} ${label(view, true)}${failureLines(view).join('\n')}`;

  const frame = (): string => {
    const rows = screenSize(out).rows;
    const lines: string[] = [];
    const ordered = [...views.values()].sort((a, b) => a.index - b.index);
    const room = Math.max(1, rows - 6);
    for (const view of ordered.slice(0, room)) lines.push(bar(view));
    if (ordered.length > room) lines.push(colors.dim(`… ${ordered.length - room} more streaming`));
    if (options.batch) lines.push(colors.dim(`${printed.size} done`));
    for (const note of notes.slice(-4)) lines.push(note);
    if (options.elements !== undefined) {
      const view = ordered[0];
      lines.push(colors.dim(`${view?.elementsPrinted ?? 0} ${options.elements.noun} so far`));
    } else if (!options.batch) {
      const view = ordered[0];
      if (view?.partial !== undefined) {
        const body = JSON.stringify(view.partial, null, 2).split('\n');
        const room = Math.max(3, rows - lines.length - 3);
        if (body.length > room) {
          lines.push(colors.dim(`… ${body.length - room + 1} lines above`));
          lines.push(...body.slice(body.length - room + 1));
        } else {
          lines.push(...body);
        }
      }
    }
    return lines.join('\n');
  };

  let finished = false;
  const draw = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (finished) return;
    last = now();
    log(frame());
  };

  return {
    update(view) {
      if (options.batch && isFinal(view)) {
        // Printed above the live frame as soon as it ends; the frame keeps the running ones.
        views.delete(view.index);
        if (printed.has(view.index) || finished) return;
        printed.add(view.index);
        log.persist(resultLine(view));
        draw();
        return;
      }
      if (view.status === 'cancelled') return;
      views.set(view.index, view);
      // Redraw at most every 40 ms; the terminal cannot show more.
      if (now() - last >= 40) draw();
      else timer ??= setTimeout(draw, 40);
    },
    note(view, event, detail) {
      const color = event.eventType === 'error' ? colors.red : colors.yellow;
      notes.push(
        color(`${label(view, options.batch)}${event.eventType}: ${event.message}${detail ?? ''}`),
      );
    },
    element(view, line) {
      views.set(view.index, view);
      if (finished) return;
      // Printed once above the live frame, which is then redrawn below it.
      log.persist(line);
      draw();
    },
    finish(all) {
      if (timer !== undefined) clearTimeout(timer);
      finished = true;
      if (options.batch) {
        // Each result is already printed; what was running when Ctrl-C came is left out.
        const unprinted = all.filter((view) => isFinal(view) && !printed.has(view.index));
        for (const view of unprinted) log.persist(resultLine(view));
        log.clear();
        log.done();
        const summary = batchSummary(all);
        if (summary !== undefined) out.write(`${summary}\n`);
        return;
      }
      log(all.map(bar).concat(notes.slice(-8)).join('\n'));
      log.done();
      const width = screenSize(out).columns - 8;
      for (const view of all) {
        if (view.status === 'cancelled') continue;
        if (options.elements !== undefined) {
          const summary = elementsSummary(view, options.elements, Math.max(80, width * 2));
          out.write(
            view.status === 'complete'
              ? `${colors.green('✔')} ${summary}\n`
              : `${colors.red('✖')} ${failureLines(view).join('\n')}\n${summary}\n`,
          );
        } else if (view.status === 'complete') {
          out.write(`${JSON.stringify(view.partial, null, 2)}\n${colors.green('✔ complete')}\n`);
        } else {
          out.write(`${colors.red('✖')} ${failureLines(view).join('\n')}\n`);
        }
      }
    },
  };
}

/** Plain lines for pipes and CI logs: a line per 10 % step and per event, then the result. */
export function createPlainRenderer(
  out: Output,
  options: {
    readonly batch: boolean;
    readonly now?: () => number;
    /** `--elements`: a line per element replaces the per-10 % lines. */
    readonly elements?: ElementsDisplay;
  },
): Renderer {
  const now = options.now ?? Date.now;
  const shown = new Map<number, { step: number; attempt: number }>();
  const printed = new Set<number>();
  const line = (view: RequestView) =>
    `${label(view, options.batch)}[${percentText(view)}] ${elapsed(view, now())} ${view.chunks} chunks, attempt ${view.attempt}, ${view.model}`;
  const result = (view: RequestView) => {
    if (printed.has(view.index)) return;
    printed.add(view.index);
    if (view.status === 'complete') {
      out.write(`${line(view)} complete\n`);
      out.write(
        options.elements !== undefined
          ? `${elementsSummary(view, options.elements, 400)}\n`
          : options.batch
            ? `${label(view, true)}${preview(view.partial, 200)}\n`
            : `${JSON.stringify(view.partial, null, 2)}\n`,
      );
    } else {
      out.write(`${label(view, options.batch)}${failureLines(view).join('\n')}\n`);
      if (options.elements !== undefined) {
        out.write(`${elementsSummary(view, options.elements, 400)}\n`);
      }
    }
  };
  return {
    update(view) {
      // --batch: each result as soon as its request ends.
      if (options.batch && isFinal(view)) return result(view);
      if (options.elements !== undefined) return;
      if (view.status !== 'streaming' && view.status !== 'paused') return;
      const step = Math.floor(view.percent / 10);
      const previous = shown.get(view.index);
      if (previous !== undefined && previous.step === step && previous.attempt === view.attempt)
        return;
      shown.set(view.index, { step, attempt: view.attempt });
      out.write(`${line(view)}\n`);
    },
    note(view, event, detail) {
      out.write(
        `${label(view, options.batch)}${event.eventType}: ${event.message}${detail ?? ''}\n`,
      );
    },
    element(_view, text) {
      out.write(`${text}\n`);
    },
    finish(all) {
      for (const view of all) if (isFinal(view)) result(view);
      const summary = options.batch ? batchSummary(all) : undefined;
      if (summary !== undefined) out.write(`${summary}\n`);
    },
  };
}
