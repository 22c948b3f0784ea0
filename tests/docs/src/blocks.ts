/**
 * The TypeScript blocks of the project's Markdown, and what the docs test does
 * with each. A block is a ```ts fence; an HTML comment right above it (blank
 * lines between are allowed) may say otherwise than the default:
 *
 *   (no comment)                        type-checked, then run against the fake servers
 *   <!-- doc-test: typecheck -->        type-checked only (say why after the word)
 *   <!-- doc-test: illustrative REASON --> neither; REASON is required
 *
 * Lines after the first line of the comment are a prelude, prepended to the
 * block before checking it, so a fragment that uses names from the text
 * around it (`service`, `Profile`) is still type-checked:
 *
 *   <!-- doc-test: typecheck
 *   import type { StructuredLLMService } from '@structllm/core';
 *   declare const service: StructuredLLMService;
 *   -->
 */

type BlockMode = 'run' | 'typecheck' | 'illustrative';

export interface DocBlock {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the first code line in the Markdown file. */
  readonly line: number;
  readonly mode: BlockMode;
  /** What the marker says after its mode word (required for `illustrative`). */
  readonly reason: string;
  /** Lines the marker prepends, possibly none. */
  readonly prelude: string;
  readonly code: string;
}

const MARKER = /^<!--\s*doc-test:\s*(\S+)\s*([^\n]*?)\s*(?:-->)?$/;

export class DocMarkerError extends Error {
  override readonly name = 'DocMarkerError';
}

interface Marker {
  readonly mode: BlockMode;
  readonly reason: string;
  readonly prelude: string;
}

function parseMarker(comment: string, where: string): Marker {
  const body = comment.replace(/-->\s*$/, '');
  const [first = '', ...rest] = body.split('\n');
  const match = MARKER.exec(first.trim());
  if (match === null) throw new DocMarkerError(`${where}: unreadable doc-test marker: ${first}`);
  const mode = match[1];
  if (mode !== 'run' && mode !== 'typecheck' && mode !== 'illustrative') {
    throw new DocMarkerError(
      `${where}: doc-test mode must be run, typecheck or illustrative, not ${mode}`,
    );
  }
  const reason = (match[2] ?? '').replace(/^[—–-]\s*/, '').trim();
  if (mode === 'illustrative' && reason === '') {
    throw new DocMarkerError(`${where}: an illustrative block needs a reason in its marker`);
  }
  return { mode, reason, prelude: rest.join('\n').trim() };
}

/** Every ```ts block of `markdown` with its mode, in order. */
export function extractBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const fence = /^(\s*)(`{3,})ts\s*$/.exec(lines[i] ?? '');
    if (fence === null) {
      i++;
      continue;
    }
    const indent = fence[1] ?? '';
    const ticks = fence[2] ?? '```';
    const start = i + 1;
    let end = start;
    while (end < lines.length && (lines[end] ?? '').trim() !== ticks) end++;
    if (end >= lines.length) throw new DocMarkerError(`${file}:${i + 1}: unclosed code block`);
    const code = lines
      .slice(start, end)
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n');
    const marker = markerAbove(lines, i, `${file}:${i + 1}`);
    blocks.push({
      file,
      line: start + 1,
      mode: marker?.mode ?? 'run',
      reason: marker?.reason ?? '',
      prelude: marker?.prelude ?? '',
      code,
    });
    i = end + 1;
  }
  return blocks;
}

/** The doc-test comment that ends on the line above `fenceLine` (blank lines skipped), if any. */
function markerAbove(
  lines: readonly string[],
  fenceLine: number,
  where: string,
): Marker | undefined {
  let j = fenceLine - 1;
  while (j >= 0 && (lines[j] ?? '').trim() === '') j--;
  if (j < 0 || !(lines[j] ?? '').trim().endsWith('-->')) return undefined;
  let k = j;
  while (k >= 0 && !(lines[k] ?? '').includes('<!--')) k--;
  if (k < 0) return undefined;
  const comment = lines
    .slice(k, j + 1)
    .join('\n')
    .trim();
  if (!/^<!--\s*doc-test:/.test(comment)) return undefined;
  return parseMarker(comment, where);
}

/** The source the docs test checks for a block: its prelude, then its code. */
export function blockSource(block: DocBlock): string {
  return block.prelude === '' ? `${block.code}\n` : `${block.prelude}\n${block.code}\n`;
}

/** Lines the prelude adds before the block's first code line. */
export function preludeLines(block: DocBlock): number {
  return block.prelude === '' ? 0 : block.prelude.split('\n').length;
}
