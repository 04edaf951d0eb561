// The execution log: one markdown section per iteration (and per human review), appended, never rewritten.
// Each section ends with its record as a JSON comment: that line is the commit point of the iteration.
import { truncate } from 'node:fs/promises';
import { appendDurable } from '../core/fs/atomic.js';
import { readRegularRange, statRegular } from '../core/fs/regular.js';
import { safeText } from '../core/text.js';
import { parseRecord, type LogRecord } from './record.js';

export const LOG_HEADER = `# Execution log

One section per iteration, newest last. jupiter only ever appends to this file; the comment closing
each section is its machine-readable record (do not edit those lines).

`;
const MARKER = /^<!-- jupiter:entry (\{.*\}) -->$/;
const TAIL_BYTES = 256 * 1024;

const one = (s: unknown) => safeText(s, true).replace(/-->/g, '-- >');
const n = (x: number) => x.toLocaleString('en-US');

function outcomeText(r: LogRecord): string {
  const errors = (r.findings ?? []).filter((f) => f.sev === 'error').length;
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
    case 'failed':
      return `failed validation (${errors} error${errors === 1 ? '' : 's'})`;
    case 'error':
      return `planner error: ${one(r.error ?? 'unknown')}`;
    default:
      return 'unknown';
  }
}

export function renderLogSection(r: LogRecord): string {
  const lines: string[] = [];
  if (r.type === 'review') {
    const what = r.review === 'human-approval' ? 'approved by a person' : r.review === 'override' ? 'approved despite findings (override)' : 'rejected';
    lines.push(`## Review of iteration ${r.iteration} · ${what}`, '', `- **Time:** ${r.time}`, `- **Session:** ${one(r.session)}`, `- **Goal:** ${one(r.goalText)} (${r.procedure} / ${r.goalId})`);
    if (r.title) lines.push(`- **Plan:** ${one(r.title)}`);
    if (r.reason) lines.push(`- **Reason:** ${one(r.reason)}`);
  } else {
    lines.push(`## Iteration ${r.iteration} · ${r.outcome ?? 'unknown'}`, '', `- **Time:** ${r.time}`, `- **Session:** ${one(r.session)}`, `- **Goal:** ${one(r.goalText)} (${r.procedure} / ${r.goalId})`);
    if (r.planner) lines.push(`- **Planner:** ${one(r.planner)}`);
    lines.push(`- **Outcome:** ${outcomeText(r)}`);
    if (r.approvedBy) lines.push(`- **Approved by:** ${r.approvedBy === 'human' ? 'a person' : 'jupiter (automatic, plan valid)'}`);
    if (r.steps) {
      lines.push(`- **Plan:** ${one(r.title ?? '')} (${r.steps.length} steps)`);
      r.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${one(s.a)}${s.o ? ` — ${one(s.o)}` : ''}`));
    }
    const findings = r.findings ?? [];
    if (r.steps || findings.length) lines.push(`- **Findings:** ${findings.length ? '' : 'none'}`.trimEnd());
    for (const f of findings) lines.push(`  - ${f.sev} ${f.s ? `step ${f.s} ` : ''}${one(f.r)}${f.fix ? ` (fix: ${one(f.fix)})` : ''}`);
    if (r.addressed?.length) lines.push(`- **Addressed feedback:** ${r.addressed.map((a) => `"${one(a)}"`).join('; ')}`);
    if (r.ctx) lines.push(`- **Context:** ${n(r.ctx.t)} of ${n(r.ctx.b)} tokens · ${r.ctx.i} of ${r.ctx.n} memory items`);
    if (r.usage) lines.push(`- **Usage:** ${n(r.usage.p)} prompt + ${n(r.usage.c)} completion tokens (${n(r.usage.k)} cached)${r.cost !== undefined ? ` · $${r.cost.toFixed(4)}` : ''}`);
  }
  lines.push('', `<!-- jupiter:entry ${JSON.stringify(r).replace(/-->/g, '--\\u003e')} -->`, '', '');
  return lines.join('\n');
}

/** Records in `text` (a whole log or a tail), in order; the end offset of the last complete record. */
export function recordsIn(text: string): { records: LogRecord[]; endOfLast: number } {
  const records: LogRecord[] = [];
  let endOfLast = -1;
  let pos = 0;
  for (const line of text.split('\n')) {
    // CRLF (git autocrlf, a Windows editor) and mixed endings: the `\r` is not part of the record.
    const m = MARKER.exec(line.endsWith('\r') ? line.slice(0, -1) : line);
    pos += Buffer.byteLength(line) + 1;
    if (!m) continue;
    const rec = parseRecord(m[1]!);
    if (rec) {
      records.push(rec);
      endOfLast = pos;
    }
  }
  return { records, endOfLast };
}

/** The heading of a section jupiter writes (a person's "## Iteration 2 review notes" is not one: no ` · `). */
const MACHINE_HEADING = /^## (?:Iteration|Review of iteration) \d+ · /;
const CUT_HEADING = /^## (?:Iteration|Review of iteration) \d+ ?·?$/;
/** Every other complete line a section of ours can hold before its record line. */
const MACHINE_LINE = /^(?:|- \*\*[A-Z][A-Za-z ]*:\*\*.*|  \d+\. .*|  - (?:error|warning) .*)$/;

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
    const partialHeading = i === last && line.length >= 3 && (['## Iteration ', '## Review of iteration '].some((h) => h.startsWith(line)) || CUT_HEADING.test(line));
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

/**
 * Records after `afterSeq`, reading only the file's tail unless more is needed. Repairs a torn tail
 * (a section of ours cut off by a crash before its record line) by truncating it; other text is left alone.
 */
export async function logTail(file: string, afterSeq: number, repair = true): Promise<{ records: LogRecord[]; lastSeq: number; repaired: boolean }> {
  // A link or special file is refused (an error naming it), never followed or read until it ends.
  const size = statRegular(file)?.size;
  if (size === undefined) return { records: [], lastSeq: 0, repaired: false };
  let start = Math.max(0, size - TAIL_BYTES);
  for (;;) {
    const buf = readRegularRange(file, start, size - start);
    const offset = start > 0 ? buf.indexOf(0x0a) + 1 : 0;
    const text = buf.subarray(offset).toString('utf8');
    const { records, endOfLast } = recordsIn(text);
    if (start > 0 && (records.length === 0 || records[0]!.seq > afterSeq + 1)) {
      start = Math.max(0, start - TAIL_BYTES * 4);
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
    return { records: records.filter((r) => r.seq > afterSeq), lastSeq, repaired };
  }
}
