// The execution log: one markdown section per iteration (and per human review), appended, never rewritten.
// Each section ends with its record as a JSON comment: that line is the commit point of the iteration.
// The log rotates into numbered segments (execution_log.0001.md, ...), so no file grows without bound.
import { readdirSync } from 'node:fs';
import { truncate } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { appendDurable } from '../core/fs/atomic.js';
import { readRegular, readRegularRange, statRegular } from '../core/fs/regular.js';
import { safeText, thousands } from '../core/text.js';
import { parseRecord, type LogRecord } from './record.js';
import { isValidOutcome } from './types.js';

export const LOG_HEADER = `# Execution log

One section per iteration, newest last. jupiter only ever appends to this file; the comment closing
each section is its machine-readable record (do not edit those lines).

`;
const OPENING = '<!-- jupiter:entry ';
const MARKER = /^<!-- jupiter:entry (\{.*\}) -->$/;
const TAIL_BYTES = 256 * 1024;

const one = (s: unknown) => safeText(s, true).replace(/-->/g, '-- >');
const n = thousands;

function outcomeText(r: LogRecord): string {
  const errors = (r.findings ?? []).filter((f) => f.severity === 'error').length;
  switch (r.outcome) {
    case 'approved':
      return r.approvedBy === 'human' ? 'approved by a person' : 'approved automatically (valid)';
    case 'improved':
      return 'valid, better than the champion (new champion)';
    case 'alternative':
      return 'valid, as good as the champion (kept as an alternative)';
    case 'worse':
      return 'valid, worse than the champion';
    case 'repeat':
      return 'valid, a plan already seen in this session';
    case 'rejected-before':
      return 'valid, but a person rejected this plan (or one with the same steps and schedule) before: not approved';
    case 'failed':
      return `failed validation (${errors} error${errors === 1 ? '' : 's'})`;
    case 'error':
      return `planner error: ${one(r.error ?? 'unknown')}`;
    default:
      return 'unknown';
  }
}

/**
 * One log section. `carry: false` means an earlier record of this log already carries the plan's steps (and
 * plans/<planId>.json holds the plan): the section names the plan instead of repeating it, and so does the record.
 * `continued` means the section right before it is an iteration of the same session: the run and goal lines,
 * said there, are not repeated (the record line still holds every field).
 */
export function renderLogSection(r: LogRecord, opts: { carry?: boolean; continued?: boolean } = {}): string {
  const carry = opts.carry ?? true;
  const byRef = !carry && r.planId !== undefined && r.steps !== undefined;
  const lines: string[] = [];
  // Lean on purpose: one section per iteration for a lifetime of runs; the record line below holds every field.
  const run = `- **Run:** ${r.time} · session ${one(r.session)}${r.planner ? ` · ${one(r.planner)}` : ''}`;
  const goal = `- **Goal:** ${one(r.goalText)} (${r.procedure} / ${r.goalId})`;
  if (r.type === 'review') {
    const what =
      r.review === 'human-approval'
        ? 'approved by a person'
        : r.review === 'override'
          ? 'approved despite findings (override)'
          : r.review === 'checkpoint'
            ? 'unattended checkpoint (recorded, not awaited)'
            : 'rejected';
    lines.push(`## Review of iteration ${r.iteration} · ${what}`, '', run, goal);
    if (r.title) lines.push(`- **Plan:** ${one(r.title)}${r.planId ? ` · plans/${r.planId}.json` : ''}`);
    if (r.reason) lines.push(`- **Reason:** ${one(r.reason)}`);
  } else {
    // The procedure and goal ids are in the record line; people read the goal as typed.
    lines.push(`## Iteration ${r.iteration} · ${r.outcome ?? 'unknown'}`, '');
    if (!opts.continued) lines.push(run, `- **Goal:** ${one(r.goalText)}`);
    // A valid plan's heading says it all, and a failure's findings say why; errors and human approvals get their line.
    if ((!isValidOutcome(r.outcome) && r.outcome !== 'failed') || r.approvedBy === 'human' || r.outcome === 'approved')
      lines.push(`- **Outcome:** ${outcomeText(r)}${r.approvedBy === 'human' ? ' · approved by a person' : ''}`);
    if (byRef) lines.push(`- **Plan:** ${one(r.title ?? '')} · ${r.steps!.length} steps · plans/${r.planId}.json`);
    else if (r.steps) {
      lines.push(`- **Plan:** ${one(r.title ?? '')} · ${r.steps.length} steps${r.planId ? ` · plans/${r.planId}.json` : ''}`);
      r.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${one(s.action)}${s.owner ? ` — ${one(s.owner)}` : ''}`));
    }
    const findings = r.findings ?? [];
    if (findings.length) lines.push('- **Findings:**');
    for (const f of findings) lines.push(`  - ${f.severity} ${f.step ? `step ${f.step} ` : ''}${one(f.rule)}${f.fix ? ` (fix: ${one(f.fix)})` : ''}`);
    if (r.addressed?.length) lines.push(`- **Addressed feedback:** ${r.addressed.map((a) => `"${one(a)}"`).join('; ')}`);
    const context = r.context ? `${n(r.context.tokens)}/${n(r.context.budget)} tokens · ${r.context.items}/${r.context.total} items` : '';
    if (r.usage)
      lines.push(
        `- **Usage:** ${n(r.usage.promptTokens)} prompt + ${n(r.usage.completionTokens)} completion tokens (${n(r.usage.cachedTokens)} cached)${r.cost !== undefined ? ` · $${r.cost.toFixed(4)}` : ''}${context ? ` · context ${context}` : ''}`,
      );
    else if (context) lines.push(`- **Context:** ${context}`);
  }
  lines.push('', `<!-- jupiter:entry ${JSON.stringify(onDisk(r, opts)).replace(/-->/g, '--\\u003e')} -->`, '', '');
  return lines.join('\n');
}

/**
 * The record as the log stores it: without the steps and title of a plan an earlier record carried (named by planId), and
 * without empty defaults (no findings, no prompt, no approver or the automatic one).
 */
export function onDisk(r: LogRecord, opts: { carry?: boolean } = {}): LogRecord {
  const out: LogRecord = { ...r };
  // Named by id, the plan's steps and title are in the record that carried it and in plans/<planId>.json (the
  // section above still shows this proposal's title).
  if (opts.carry === false && r.planId !== undefined) {
    delete out.steps;
    delete out.title;
  }
  if (out.findings?.length === 0) delete out.findings;
  if (out.promptChars === 0) delete out.promptChars;
  // A valid plan is approved automatically unless the record says a person did.
  if (out.approvedBy === null || (out.approvedBy === 'auto' && isValidOutcome(out.outcome))) delete out.approvedBy;
  return out;
}

/** Steps of a plan by its id, for records that name a plan an earlier record carried. */
export type StepsLookup = (planId: string) => LogRecord['steps'] | undefined;

/** Told of each record line that does not read: its file, where it starts (bytes into the file) and why. */
export type BadLineSink = (file: string, offset: number, problem: string) => void;

/** The line number of byte `offset` of `file` (1-based; any line ending counts once). Only for messages: it reads the file up to there. */
export function lineAt(file: string, offset: number): number {
  const text = readRegularRange(file, 0, offset).toString('latin1');
  return text.split(/\r\n|\r|\n/).length;
}

/**
 * Records in `text` (a whole log or a tail), in order; the end offset of the last complete record. A record that
 * names its plan by id gets the steps back from an earlier record in `text`, else from `lookup`. A complete record
 * line that does not read (edited, damaged) is skipped and told to `bad` with its index in `text`; a line cut short
 * by a crash is not a record line (it has no closing `-->`): the torn tail is repaired, not reported.
 */
export function recordsIn(text: string, lookup?: StepsLookup, bad?: (index: number, problem: string) => void): { records: LogRecord[]; endOfLast: number } {
  const records: LogRecord[] = [];
  // Where the last record line ends, in characters (+1 past its newline, even when the text ends without one).
  let end = -1;
  // Record lines are found by their opening, not by splitting every line: a 16 MB segment is read in one pass.
  for (let i = text.indexOf(OPENING); i >= 0; i = text.indexOf(OPENING, i + OPENING.length)) {
    if (i > 0 && !isLineEnd(text.charCodeAt(i - 1))) continue;
    // Any line ending reads the same (LF, CRLF, CR alone, CRCRLF from a `sed 's/$/\r\r/'`): a record line holds no
    // raw CR or LF (its JSON escapes them), so it ends at the first of either.
    const lineEnd = lineEndAt(text, i);
    const m = MARKER.exec(text.slice(i, lineEnd));
    if (!m) continue;
    const read = parseRecord(m[1]!);
    if ('record' in read) {
      records.push(read.record);
      end = lineEnd;
    } else bad?.(i, read.problem);
  }
  // Past the last record line's ending (one past the text when it ends there, unterminated).
  const endOfLast = end < 0 ? -1 : end >= text.length ? Buffer.byteLength(text) + 1 : Buffer.byteLength(text.slice(0, pastLineEnd(text, end)));
  return { records: hydrate(records, lookup), endOfLast };
}

const isLineEnd = (c: number) => c === 0x0a || c === 0x0d;

/** Where the line starting at `from` ends: its first CR or LF, or the text's end. */
function lineEndAt(text: string, from: number): number {
  for (let j = from; j < text.length; j++) if (isLineEnd(text.charCodeAt(j))) return j;
  return text.length;
}

/** Past the line ending at `at` (CRs, then one LF). */
function pastLineEnd(text: string, at: number): number {
  let j = at;
  while (text.charCodeAt(j) === 0x0d) j++;
  return text.charCodeAt(j) === 0x0a ? j + 1 : j;
}

/** The heading of a section jupiter writes (a person's "## Iteration 2 review notes" is not one: no ` · `). */
const MACHINE_HEADING = /^## (?:Iteration|Review of iteration) \d+ · /;
const CUT_HEADING = /^## (?:Iteration|Review of iteration) \d+ ?·?$/;
/** Every other complete line a section of ours can hold before its record line. */
const MACHINE_LINE = /^(?:|- \*\*[A-Z][A-Za-z ]*:\*\*.*| {2}\d+\. .*| {2}- (?:error|warning) .*)$/;

/**
 * Where a torn final section starts in `rest` (the text after the last record), or -1. Torn means: a heading
 * of ours, then only lines of our own grammar, and no record line: an append cut short by a crash or a full
 * disk. Anything else (a person's note, even one titled "## Iteration 2 …", a hand-edited record) is kept.
 */
export function tornSectionStart(rest: string): number {
  const lines = rest.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // The last line is unterminated when the write was cut mid-line: any prefix of any line of ours.
  const last = lines.length - 1;
  let heading = -1;
  for (let i = last; i >= 0; i--) {
    const line = lines[i]!;
    const partialHeading =
      i === last && line.length >= 3 && (['## Iteration ', '## Review of iteration '].some((h) => h.startsWith(line)) || CUT_HEADING.test(line));
    if (MACHINE_HEADING.test(line) || partialHeading) {
      heading = i;
      break;
    }
    // A line of ours in the middle of the section; the last one may be cut anywhere (even inside the record line).
    if (i !== last && !MACHINE_LINE.test(line)) return -1;
  }
  if (heading < 0) return -1;
  // The blank lines before the heading belong to the torn append (a section is `\n\n`-separated).
  let from = heading;
  while (from > 0 && lines[from - 1] === '') from--;
  let offset = 0;
  for (const l of rest.split('\n').slice(0, from)) offset += l.length + 1;
  return offset;
}

/** Older segments of the log `file` (execution_log.0001.md, ...), oldest first. */
export function segments(file: string): string[] {
  const dir = path.dirname(file);
  const { name, ext } = path.parse(file);
  const re = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d{4,})${ext.replace('.', '\\.')}$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => ({ n, m: re.exec(n) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((x) => path.join(dir, x.n));
}

/** Where the current segment goes when it rotates: the next number after the newest segment. */
export function nextSegment(file: string): string {
  const last = segments(file).at(-1);
  const n = last ? Number(/\.(\d+)\.[^.]+$/.exec(last)![1]) + 1 : 1;
  const { dir, name, ext } = path.parse(file);
  return path.join(dir, `${name}.${String(n).padStart(4, '0')}${ext}`);
}

interface SegmentTail {
  records: LogRecord[];
  lastSeq: number;
  /** Whether the records read reach back to `afterSeq + 1` (or to the segment's start). */
  reachesBack: boolean;
  repaired: boolean;
}

/** The first CR or LF of `buf` (-1 for none). */
export function firstLineEnd(buf: Buffer, from = 0): number {
  const lf = buf.indexOf(0x0a, from);
  const cr = buf.indexOf(0x0d, from);
  return lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
}

/** Records after `afterSeq` in one segment, reading its tail backwards in doubling chunks. */
async function segmentTail(file: string, afterSeq: number, repair: boolean, onBad?: BadLineSink): Promise<SegmentTail> {
  // A link or special file is refused (an error naming it), never followed or read until it ends.
  const size = statRegular(file)?.size;
  if (size === undefined) return { records: [], lastSeq: 0, reachesBack: false, repaired: false };
  let chunk = TAIL_BYTES;
  let start = Math.max(0, size - chunk);
  for (;;) {
    const buf = readRegularRange(file, start, size - start);
    const offset = start > 0 ? firstLineEnd(buf) + 1 : 0;
    const text = buf.subarray(offset).toString('utf8');
    const at = start + offset;
    const { records, endOfLast } = recordsIn(text, undefined, onBad && ((i, problem) => onBad(file, at + Buffer.byteLength(text.slice(0, i)), problem)));
    if (start > 0 && (records.length === 0 || records[0]!.seq > afterSeq + 1)) {
      chunk *= 4;
      start = Math.max(0, size - chunk);
      continue;
    }
    // With no record at all in the file, the whole file is the text after the last record.
    const after = endOfLast < 0 ? (start === 0 ? 0 : -1) : endOfLast;
    let repaired = false;
    if (repair && after >= 0) {
      const rest = buf.subarray(offset + after).toString('utf8');
      const torn = tornSectionStart(rest);
      if (torn >= 0) {
        await truncate(file, start + offset + after + Buffer.byteLength(rest.slice(0, torn)));
        repaired = true;
      }
    }
    // A crash (or a person's edit) can leave the last line unterminated, e.g. a record line missing only its
    // newline: the next section appended would glue onto it and the record would no longer be found.
    if (repair && !repaired && buf.length > 0 && buf[buf.length - 1] !== 0x0a) {
      await appendDurable(file, '\n', { durable: false });
      repaired = true;
    }
    const lastSeq = records.length ? records[records.length - 1]!.seq : 0;
    const reachesBack = records.length > 0 && records[0]!.seq <= afterSeq + 1;
    return { records: records.filter((r) => r.seq > afterSeq), lastSeq, reachesBack, repaired };
  }
}

/**
 * Records after `afterSeq`, reading only the current segment's tail unless more is needed (then older segments,
 * newest first). Repairs a torn tail of the current segment (a section of ours cut off by a crash before its
 * record line) by truncating it; other text is left alone. `lastSeq` is the log's last record, in whichever
 * segment it is (a crash right after a rotation leaves the current segment empty or missing).
 */
export async function logTail(
  file: string,
  afterSeq: number,
  repair = true,
  lookup?: StepsLookup,
  onBad?: BadLineSink,
): Promise<{ records: LogRecord[]; lastSeq: number; repaired: boolean }> {
  const current = await segmentTail(file, afterSeq, repair, onBad);
  let records = current.records;
  let lastSeq = current.lastSeq;
  if (!current.reachesBack) {
    for (const older of segments(file).reverse()) {
      const t = await segmentTail(older, afterSeq, false, onBad);
      lastSeq ||= t.lastSeq;
      records = [...t.records, ...records];
      if (t.reachesBack || (t.lastSeq > 0 && t.lastSeq <= afterSeq)) break;
    }
  }
  return { records: hydrate(records, lookup), lastSeq, repaired: current.repaired };
}

/** The seq of the last record of one segment (0 for none). */
export async function segmentLastSeq(file: string): Promise<number> {
  return (await segmentTail(file, Number.MAX_SAFE_INTEGER, false)).lastSeq;
}

/**
 * The seq of the log's last record (0 for none), reading the current segment's tail, or the newest older segment's
 * when a crash right after a rotation left the current one empty. `repair` truncates a torn tail of the current segment.
 */
export async function lastRecordSeq(file: string, repair: boolean, onBad?: BadLineSink): Promise<number> {
  const current = await segmentTail(file, Number.MAX_SAFE_INTEGER, repair, onBad);
  if (current.lastSeq) return current.lastSeq;
  for (const older of segments(file).reverse()) {
    const t = await segmentTail(older, Number.MAX_SAFE_INTEGER, false);
    if (t.lastSeq) return t.lastSeq;
  }
  refuseUnreadable(file);
  return 0;
}

/**
 * A log that holds record lines of which none reads was damaged (edited, re-encoded): numbering records from 1
 * again would write duplicates of what it holds. Stops with an error naming the file instead.
 */
function refuseUnreadable(file: string): void {
  for (const f of [...segments(file), file]) {
    if (!statRegular(f)?.size) continue;
    if (readRegular(f).includes(OPENING))
      throw new InputError(
        'holds record lines, but none of them can be read: jupiter will not number records from 1 again over them (restore the file from a backup, or move it away to start a new log)',
        { file: f },
      );
  }
}

/** Gives records that name their plan the steps of an earlier record in `records`, else of `lookup`. */
export function hydrate(records: LogRecord[], lookup?: StepsLookup): LogRecord[] {
  const carried = new Map<string, NonNullable<LogRecord['steps']>>();
  for (const r of records) {
    if (r.planId === undefined) continue;
    if (r.steps) carried.set(r.planId, r.steps);
    else {
      const steps = carried.get(r.planId) ?? lookup?.(r.planId);
      if (steps) r.steps = steps;
    }
  }
  return records;
}

/** Every plan's steps as carried by the records of every segment (a slow path: plan files lost). */
export async function carriedSteps(file: string): Promise<Map<string, NonNullable<LogRecord['steps']>>> {
  const out = new Map<string, NonNullable<LogRecord['steps']>>();
  for (const f of [...segments(file), file]) {
    let text = '';
    try {
      text = readRegular(f).toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const r of recordsIn(text).records) if (r.planId !== undefined && r.steps && !out.has(r.planId)) out.set(r.planId, r.steps);
  }
  return out;
}
