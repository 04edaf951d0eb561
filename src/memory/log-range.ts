// Reading the log by sequence number, without an index beside it: each segment's first record says which
// segments hold a range, and bisecting a segment on its record lines finds where the range starts, so one
// session's records cost a few reads of the log, not the history. The log is the only store of records.
import { readRegular, readRegularRange, statRegular } from '../core/fs/regular.js';
import path from 'node:path';
import { type BadLineSink, firstLineEnd, recordsIn, segmentLastSeq, segments, type StepsLookup } from './log-file.js';
import { parseRecord, type LogRecord } from './record.js';

const MARK = Buffer.from('<!-- jupiter:entry ');
const LINE = /^<!-- jupiter:entry (\{.*\}) -->$/;
/** Below this many bytes a range is scanned rather than bisected further. */
const SCAN_BYTES = 64 * 1024;
/** Read size when scanning a range. */
const CHUNK_BYTES = 1024 * 1024;

/** Where a record line starting in `buf` at or after `from` begins (a line start), or -1. */
function markAt(buf: Buffer, from: number, atFileStart: boolean): number {
  for (let j = buf.indexOf(MARK, from); j >= 0; j = buf.indexOf(MARK, j + 1)) {
    // Any line ending (LF, CR, CRLF) starts a line.
    if (j === 0 ? atFileStart : buf[j - 1] === 0x0a || buf[j - 1] === 0x0d) return j;
  }
  return -1;
}

/**
 * The first complete record line at or after byte `pos` of `file` (a line cut at `pos` is skipped): its seq (-1 when
 * the line does not parse) and the offset just past it. Undefined when no record line follows.
 */
async function recordAfter(file: string, pos: number, size: number): Promise<{ seq: number; end: number } | undefined> {
  for (let len = 8192; ; len *= 4) {
    const buf = readRegularRange(file, pos, Math.min(len, size - pos));
    const start = pos === 0 ? 0 : firstLineEnd(buf) + 1;
    const at = start > 0 || pos === 0 ? markAt(buf, start, pos === 0) : -1;
    const nl = at >= 0 ? firstLineEnd(buf, at) : -1;
    if (nl >= 0) {
      const m = LINE.exec(buf.subarray(at, nl).toString('utf8'));
      const read = m ? parseRecord(m[1]!) : undefined;
      return { seq: read && 'record' in read ? read.record.seq : -1, end: pos + nl + 1 };
    }
    if (pos + buf.length >= size) return undefined;
  }
}

/** Records of one segment with `fromSeq <= seq <= toSeq`, bisecting to the range's start; `done` once past `toSeq`. */
async function segmentRange(
  file: string,
  fromSeq: number,
  toSeq: number,
  lookup?: StepsLookup,
  onBad?: BadLineSink,
): Promise<{ records: LogRecord[]; done: boolean }> {
  const size = statRegular(file)?.size;
  if (size === undefined) return { records: [], done: false };
  let lo = 0;
  let hi = size;
  while (hi - lo > SCAN_BYTES) {
    const mid = Math.floor((lo + hi) / 2);
    const line = await recordAfter(file, mid, size);
    // An unreadable record says nothing about where we are: narrow from above, the scan checks every line.
    if (!line || line.seq < 0 || line.seq >= fromSeq) hi = mid;
    else lo = line.end;
  }
  const out: LogRecord[] = [];
  let pos = lo;
  let rest = Buffer.alloc(0);
  while (pos < size) {
    const buf = Buffer.concat([rest, readRegularRange(file, pos, Math.min(CHUNK_BYTES, size - pos))]);
    pos += buf.length - rest.length;
    // Whole lines only: the cut line waits for the next chunk.
    const cut = pos < size ? Math.max(buf.lastIndexOf(0x0a), buf.lastIndexOf(0x0d)) + 1 : buf.length;
    rest = buf.subarray(cut);
    const at = pos - buf.length;
    const text = buf.subarray(0, cut).toString('utf8');
    for (const rec of recordsIn(text, lookup, onBad && ((i, problem) => onBad(file, at + Buffer.byteLength(text.slice(0, i)), problem))).records) {
      if (rec.seq < fromSeq) continue;
      if (rec.seq > toSeq) return { records: out, done: true };
      out.push(rec);
    }
  }
  return { records: out, done: false };
}

/**
 * Records with `fromSeq <= seq <= toSeq` across the log's segments, in order. A segment holds the records from its
 * first one up to the next segment's first, so only the segments overlapping the range are read.
 */
export async function readLogRange(file: string, fromSeq: number, toSeq: number, lookup?: StepsLookup, onBad?: BadLineSink): Promise<LogRecord[]> {
  const files = [...segments(file), file];
  const firsts: number[] = [];
  for (const f of files) {
    const size = statRegular(f)?.size ?? 0;
    firsts.push(size ? ((await recordAfter(f, 0, size))?.seq ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY);
  }
  const out: LogRecord[] = [];
  for (let i = 0; i < files.length; i++) {
    // A segment without a record yet (the current one, just started) holds nothing of any range.
    if (!Number.isFinite(firsts[i]!)) continue;
    if (firsts[i]! > toSeq) break;
    // The next segment starts at or before the range: nothing of the range is here.
    const next = firsts.slice(i + 1).find((s) => Number.isFinite(s));
    if (next !== undefined && next <= fromSeq) continue;
    const part = await segmentRange(files[i]!, fromSeq, toSeq, lookup, onBad);
    out.push(...part.records);
    if (part.done) break;
  }
  return out;
}

/** Every record of every segment, oldest first, each passed through `project` as it is read (so a segment's text is let go before the next). */
export function readLogAll<T>(file: string, project: (rec: LogRecord) => T, lookup?: StepsLookup, onBad?: BadLineSink): T[] {
  const out: T[] = [];
  // An overlapping segment (a copy) never counts a record twice: only records after the last one read are kept.
  let last = 0;
  for (const f of [...segments(file), file]) {
    let text: string;
    try {
      text = readRegular(f).toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const sink = onBad && ((i: number, problem: string) => onBad(f, Buffer.byteLength(text.slice(0, i)), problem));
    for (const rec of recordsIn(text, lookup, sink).records) {
      if (rec.seq <= last) continue;
      last = rec.seq;
      out.push(project(rec));
    }
  }
  return out;
}

/**
 * Where the log's segments do not follow each other (the oldest starts at seq 1, each next one's first seq is the
 * previous one's last + 1): a segment deleted or cut short leaves a gap, a copied one an overlap. One sentence per
 * break, naming the segments.
 */
export async function segmentBreaks(file: string): Promise<string[]> {
  const breaks: string[] = [];
  let prev: { name: string; last: number } | undefined;
  for (const f of [...segments(file), file]) {
    const size = statRegular(f)?.size ?? 0;
    const first = size ? (await recordAfter(f, 0, size))?.seq : undefined;
    if (first === undefined || first < 0) continue;
    const name = path.basename(f);
    // The log's first record is seq 1: a log whose oldest segment starts later lost its first segment(s).
    if (!prev && first !== 1)
      breaks.push(`${name} is the oldest segment but starts at seq ${first}: records 1-${first - 1} are missing (an older segment was deleted)`);
    if (prev && first !== prev.last + 1)
      breaks.push(
        first > prev.last + 1
          ? `${prev.name} ends at seq ${prev.last} but ${name} starts at seq ${first}: records ${prev.last + 1}-${first - 1} are missing`
          : `${name} starts at seq ${first}, not after ${prev.name}'s last (${prev.last}): the segments overlap`,
      );
    prev = { name, last: Math.max(prev?.last ?? 0, await segmentLastSeq(f)) };
  }
  return breaks;
}
