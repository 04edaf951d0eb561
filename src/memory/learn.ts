// Learning: turns log records into patterns and lessons, and consolidates them (duplicates merge, counts add).
import { actionIntents } from '../feedback/intents.js';
import { itemId, normalise } from './items-file.js';
import type { LogRecord } from './record.js';
import { isValidOutcome, type MemoryData, type MemoryItem, type MemoryKind } from './types.js';

/** Lessons and patterns seen once, never by a person, and untouched for this many log entries fade out. */
export const STALE_AFTER = 1000;
const SHAPE = 'Approved plan shape: ';

interface Observation {
  kind: MemoryKind;
  key: string;
  text: string;
  data: MemoryData;
  human: number;
  /** Counted toward support (false for a human approval that confirms an already counted plan). */
  counts: boolean;
}

function patternsOf(rec: LogRecord, human: number, counts: boolean): Observation[] {
  const actions = (rec.steps ?? []).map((s) => s.a);
  const out: Observation[] = [];
  const scope = `${rec.procedure}|${rec.goalId}`;
  out.push({ kind: 'pattern', key: `${scope}|shape|${actions.join('>')}`, text: `${SHAPE}${actions.join(' → ')}`, data: { type: 'note' }, human, counts });
  for (const a of new Set(actions)) out.push({ kind: 'pattern', key: `${scope}|uses|${a}`, text: `Approved plans use ${a}`, data: { type: 'include', action: a }, human, counts });
  for (let i = 1; i < actions.length; i++) {
    const [before, after] = [actions[i - 1]!, actions[i]!];
    if (before !== after) out.push({ kind: 'pattern', key: `${scope}|order|${before}|${after}`, text: `${before} then ${after}`, data: { type: 'ordering', before, after }, human, counts });
  }
  return out;
}

/** What a step-specific fix says in general: "add run-tests before step 4" → "add run-tests before it". */
function generalFix(fix: string): string {
  return fix.replace(/\bsteps? \d+(?: \([^)]*\))?/g, 'it').replace(/\bthe change ticket\b/, 'the ticket');
}

function lessonsOf(rec: LogRecord): Observation[] {
  const out: Observation[] = [];
  const scope = `${rec.procedure}|${rec.goalId}`;
  for (const f of rec.findings ?? []) {
    if (f.sev !== 'error') continue;
    const fix = f.fix ? generalFix(f.fix) : '';
    const on = f.a ? `${f.a}: ` : '';
    const text = `${on}${f.r}${fix ? ` — ${fix}` : ''}`;
    const add = /^(?:.*: )?add ([a-z0-9._-]+)/i.exec(fix)?.[1];
    const data: MemoryData = f.r === 'unknown-action' && f.a ? { type: 'avoid', action: f.a } : /^remove\b/.test(fix) && f.a ? { type: 'avoid', action: f.a } : add ? { type: 'fix', rule: f.r, action: add } : { type: 'note' };
    out.push({ kind: 'lesson', key: `${scope}|${f.r}|${f.a ?? ''}|${normalise(fix)}`, text, data, human: 0, counts: true });
  }
  if (rec.error) {
    const kind = rec.error.split(':')[0]!.slice(0, 40);
    out.push({ kind: 'lesson', key: `${scope}|planner-error|${kind}`, text: `planner failed: ${rec.error.slice(0, 160)}`, data: { type: 'note' }, human: 0, counts: true });
  }
  return out;
}

/** Observations one log record contributes: a pure function of the record, so replaying the log reproduces memory. */
export function observe(rec: LogRecord): Observation[] {
  if (rec.type === 'review') {
    if (rec.review === 'human-approval') return patternsOf(rec, 1, false);
    // A person accepting a plan despite its findings vouches for it: its patterns count, with human weight.
    const vouched = rec.review === 'override' ? patternsOf(rec, 1, true) : [];
    const reason = rec.reason?.trim();
    if (!reason) return vouched;
    const text = rec.review === 'override' ? `approved despite findings: ${reason}` : reason;
    return [...vouched, { kind: 'feedback', key: `${rec.procedure}|${rec.goalId}|${normalise(text)}`, text, data: { type: 'note' }, human: 1, counts: true }];
  }
  if (isValidOutcome(rec.outcome)) {
    const out = patternsOf(rec, rec.approvedBy === 'human' ? 1 : 0, true);
    if (rec.fixed) {
      const rule = rec.fixed.rules[0] ?? 'validation';
      for (const a of rec.fixed.added) {
        out.push({ kind: 'pattern', key: `${rec.procedure}|${rec.goalId}|fix|${rule}|${a}`, text: `Adding ${a} fixed ${rec.fixed.rules.join(', ') || 'a failing plan'}`, data: { type: 'fix', rule, action: a }, human: 0, counts: true });
      }
    }
    return out;
  }
  return lessonsOf(rec);
}

/** Merges observations from `rec` into `items` (keyed by id); returns the ids touched. */
export function consolidate(items: Map<string, MemoryItem>, rec: LogRecord, observations: Observation[]): void {
  for (const o of observations) {
    const id = itemId(o.kind, o.key);
    const existing = items.get(id) ?? findNearDuplicate(items, o, rec);
    if (existing) {
      if (o.counts) existing.count += 1;
      existing.human += o.human;
      existing.lastSeen = rec.time;
      existing.seq = rec.seq;
      existing.session = rec.session;
      continue;
    }
    items.set(id, { id, kind: o.kind, text: o.text, data: o.data, procedure: rec.procedure, goalId: rec.goalId, count: o.counts ? 1 : 0, human: o.human, lastSeen: rec.time, session: rec.session, seq: rec.seq });
  }
  // A person's "don't use X" retires the patterns that recommend X in that scope.
  const named = rec.type === 'review' && rec.review === 'rejection' && rec.reason ? actionIntents(rec.reason, [...new Set((rec.steps ?? []).map((s) => s.a))]).avoid : [];
  if (named.length) {
    for (const [id, item] of items) {
      if (item.kind !== 'pattern' || item.procedure !== rec.procedure || item.goalId !== rec.goalId) continue;
      const d = item.data;
      // The plan shape and a fix that added X recommend X as much as "uses X" does.
      const shape = d.type === 'note' && item.text.startsWith(SHAPE) ? item.text.slice(SHAPE.length).split(' → ') : [];
      if ((d.type === 'include' && named.includes(d.action)) || (d.type === 'fix' && named.includes(d.action)) || (d.type === 'ordering' && (named.includes(d.before) || named.includes(d.after))) || shape.some((a) => named.includes(a))) items.delete(id);
    }
  }
}

/** Free text said twice in other words still merges: word-set similarity within the same scope and kind. */
function findNearDuplicate(items: Map<string, MemoryItem>, o: Observation, rec: LogRecord): MemoryItem | undefined {
  if (o.kind !== 'feedback') return undefined;
  const words = new Set(normalise(o.text).split(' ').filter((w) => w.length > 2));
  if (words.size < 3) return undefined;
  for (const item of items.values()) {
    if (item.kind !== o.kind || item.procedure !== rec.procedure || item.goalId !== rec.goalId) continue;
    const other = new Set(normalise(item.text).split(' ').filter((w) => w.length > 2));
    const shared = [...words].filter((w) => other.has(w)).length;
    if (shared / (words.size + other.size - shared) >= 0.75) return item;
  }
  return undefined;
}

/** Drops faded items: seen once, never by a person, not seen for STALE_AFTER log entries. */
export function compact(items: Map<string, MemoryItem>, currentSeq: number): number {
  let dropped = 0;
  for (const [id, item] of items) {
    if (item.human === 0 && item.count <= 1 && item.seq !== undefined && currentSeq - item.seq > STALE_AFTER) {
      items.delete(id);
      dropped++;
    }
  }
  return dropped;
}
