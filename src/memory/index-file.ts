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
const INDEX_FIELDS = ['seq', 'type', 'session', 'iteration', 'procedure', 'goalId', 'outcome', 'approvedBy', 'review', 'reason', 'error', 'usage', 'cost', 'ctx', 'promptChars', 'est', 'score', 'planId', 'repairs', 'converged', 'constraints', 'confirmed', 'scope'] as const;

/** The index's projection of a log record. */
export function indexRecord(rec: LogRecord): LogRecord {
  const out: Record<string, unknown> = {};
  for (const k of INDEX_FIELDS) if (rec[k] !== undefined) out[k] = rec[k];
  return out as unknown as LogRecord;
}

export function indexLine(rec: LogRecord): string {
  return JSON.stringify(indexRecord(rec)) + '\n';
}
