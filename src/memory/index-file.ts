// The index beside the markdown: one JSON line per log record, so summary and resume never re-parse the log.
// It is derived from the log and rebuilt from it when behind; the log stays the source of truth.
import { truncate } from 'node:fs/promises';
import { readRegular, readRegularRange, statRegular } from '../core/fs/regular.js';
import { parseRecord, type LogRecord } from './record.js';

const TAIL_BYTES = 64 * 1024;

/** Last record of the index; truncates a torn (unterminated or unreadable) last line. */
export async function indexTail(file: string, repair = true): Promise<LogRecord | undefined> {
  const size = statRegular(file)?.size;
  if (!size) return undefined;
  const start = Math.max(0, size - TAIL_BYTES);
  const text = readRegularRange(file, start, size - start).toString('utf8');
  const lines = text.split('\n');
  const torn = lines.pop()!;
  // An unterminated last line is a write cut short by a crash: drop it (the log still has the record).
  if (torn !== '' && repair) await truncate(file, size - Buffer.byteLength(torn));
  for (let i = lines.length - 1; i >= 0; i--) {
    const rec = lines[i] ? parseRecord(lines[i]!) : undefined;
    if (rec) return rec;
  }
  return undefined;
}

/** Every record, skipping unreadable lines (counted). */
export async function readIndex(file: string): Promise<{ records: LogRecord[]; skipped: number }> {
  let text: string;
  try {
    text = readRegular(file).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: 0 };
    throw err;
  }
  const records: LogRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const rec = parseRecord(line);
    if (rec) records.push(rec);
    else skipped++;
  }
  return { records, skipped };
}

/** Fields summary and resume need; plans, findings and times stay in the log (a tenth of the bytes to read at 10k). */
const INDEX_FIELDS = [
  'seq',
  'type',
  'session',
  'iteration',
  'time',
  'procedure',
  'goalId',
  'goalText',
  'objectives',
  'outcome',
  'approvedBy',
  'review',
  'reason',
  'error',
  'usage',
  'cost',
  'ctx',
  'promptChars',
  'est',
  'score',
  'planId',
  'repairs',
  'converged',
  'constraints',
  'confirmed',
  'scope',
] as const;

/** The index's projection of a log record. */
export function indexRecord(rec: LogRecord): LogRecord {
  const out: Record<string, unknown> = {};
  for (const k of INDEX_FIELDS) if (rec[k] !== undefined) out[k] = rec[k];
  // The summary counts failures by rule: the rule ids of a failed plan's errors, each once, not the findings.
  const failing =
    rec.failing ?? (rec.outcome === 'failed' ? [...new Set((rec.findings ?? []).filter((f) => f.sev === 'error').map((f) => f.r))].slice(0, 20) : undefined);
  if (failing?.length) out.failing = failing;
  return out as unknown as LogRecord;
}

export function indexLine(rec: LogRecord): string {
  return `${JSON.stringify(indexRecord(rec))}\n`;
}

async function readAt(file: string, start: number, length: number): Promise<Buffer> {
  return readRegularRange(file, start, length);
}

/** The seq of the first whole line starting after `pos` (a line cut at `pos` is skipped), and where it ends. */
async function lineAfter(file: string, pos: number, size: number): Promise<{ seq: number; end: number } | undefined> {
  for (let len = 4096; ; len *= 4) {
    const buf = await readAt(file, pos, Math.min(len, size - pos));
    const cut = pos === 0 ? -1 : buf.indexOf(0x0a);
    const nl = cut >= 0 || pos === 0 ? buf.indexOf(0x0a, cut + 1) : -1;
    if (nl >= 0) {
      const rec = parseRecord(buf.subarray(cut + 1, nl).toString('utf8'));
      return { seq: rec ? rec.seq : -1, end: pos + nl + 1 };
    }
    if (pos + buf.length >= size) return undefined;
  }
}

/**
 * Records with `fromSeq <= seq <= toSeq`, found by bisecting the index on seq (its lines are in seq order), so one
 * session's records cost a few reads of the index, not the whole of it.
 */
export async function readIndexRange(file: string, fromSeq: number, toSeq: number): Promise<LogRecord[]> {
  const size = statRegular(file)?.size;
  if (size === undefined) return [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 64 * 1024) {
    const mid = Math.floor((lo + hi) / 2);
    const line = await lineAfter(file, mid, size);
    // An unreadable line says nothing about where we are: narrow from above, the final scan checks every line.
    if (!line || line.seq < 0 || line.seq >= fromSeq) hi = mid;
    else lo = line.end;
  }
  const out: LogRecord[] = [];
  let pos = lo;
  let rest = '';
  while (pos < size) {
    const buf = await readAt(file, pos, Math.min(1024 * 1024, size - pos));
    pos += buf.length;
    const lines = (rest + buf.toString('utf8')).split('\n');
    rest = lines.pop()!;
    for (const l of lines) {
      const rec = l ? parseRecord(l) : undefined;
      if (!rec || rec.seq < fromSeq) continue;
      if (rec.seq > toSeq) return out;
      out.push(rec);
    }
  }
  return out;
}
