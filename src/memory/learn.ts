// Learning (ExpeL-style): turns log records into knowledge — per goal the exemplar (its best valid plan), insights
// learned by contrast (the change that turned a failed plan into a valid one, voted up and down by later plans),
// lessons from validation failures, and human feedback — and consolidates them (duplicates merge, counts add).
import { editDistance } from '../core/text.js';
import { actionIntents } from '../feedback/intents.js';
import { itemId, normalise } from './items-file.js';
import type { LogRecord } from './record.js';
import { betterScore, exemplarText } from './score-text.js';
import type { Insight } from '../procedures/insight.js';
import { kindOf, RULE_KINDS } from '../procedures/rules/index.js';
import type { Rule } from '../procedures/types.js';
import { ruleErrors } from '../procedures/validate.js';
import { isValidOutcome, type MemoryData, type MemoryItem, type MemoryKind } from './types.js';

/** Lessons and insights seen once, never by a person, and untouched for this many log entries fade out. */
export const STALE_AFTER = 1000;
/**
 * Most items jupiter learned that it keeps per goal and kind (lowest support dropped first), so no answer can grow the
 * files without bound. A person's items are never dropped and never count toward it: recall caps what a prompt carries.
 */
export const CAP: Record<MemoryKind, number> = { pattern: 40, lesson: 40, feedback: 100 };
/** Most lessons one failed plan contributes (a model that invents 5,000 actions teaches no more than this). */
const LESSONS_PER_RECORD = 12;
/** Longest piece of model text (an unknown action's name) a lesson quotes. */
const QUOTE = 60;

export interface Observation {
  kind: MemoryKind;
  key: string;
  text: string;
  data: MemoryData;
  human: number;
  /** Counted toward support. */
  counts: boolean;
}

const scopeKey = (rec: { procedure: string; goalId: string }) => `${rec.procedure}|${rec.goalId}`;
const quote = (s: string) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > QUOTE ? `${one.slice(0, QUOTE)}…` : one;
};

/** The one valid action an unknown action most likely meant: the validator's guess, else the closest of the list it offered. */
function nearestAction(unknown: string, fix: string | undefined): string | undefined {
  const guess = /did you mean "([^"]+)"/.exec(fix ?? '')?.[1];
  if (guess) return guess;
  const list =
    /use one of: (.*)$/
      .exec(fix ?? '')?.[1]
      ?.split(', ')
      .filter(Boolean) ?? [];
  const name = unknown.toLowerCase().slice(0, 80);
  let best: { id: string; d: number } | undefined;
  for (const id of list) {
    const d = editDistance(id, name);
    if (!best || d < best.d) best = { id, d };
  }
  return best?.id;
}

/** What a step-specific fix says in general: "add run-tests before step 4" → "add run-tests before it". */
function generalFix(fix: string): string {
  // "after step 3 (build-artifact)" keeps the action it names; a bare step number says nothing outside its plan.
  return fix
    .replace(/\bsteps? \d+ \(([^)]*)\)/g, '$1')
    .replace(/\bsteps? \d+/g, 'it')
    .replace(/\bthe change ticket\b/, 'the ticket');
}

/**
 * Owners are people's names or roles of one plan: a general lesson says "its owner" instead. Only owners the text
 * contains get a pattern (a plan of 110 steps with long owners built 110 RegExps per finding: quadratic).
 */
function withoutOwners(text: string, owners: [owner: string, lower: string][]): string {
  let out = text;
  let lower = text.toLowerCase();
  for (const [o, low] of owners) {
    if (o.length < 2 || o.length > out.length || !lower.includes(low)) continue;
    const escaped = o.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(^|[^\\p{L}\\p{N}_-])${escaped}(?=$|[^\\p{L}\\p{N}_-])`, 'giu'), '$1its current owner');
    lower = out.toLowerCase();
  }
  return out;
}

/** Lessons from a plan's error findings: the failed plan's, or the failed attempt a repair then fixed. */
function lessonsOf(rec: LogRecord, findings: NonNullable<LogRecord['findings']>): Observation[] {
  const out: Observation[] = [];
  const scope = scopeKey(rec);
  const named = new Set((rec.steps ?? []).map((s) => s.owner?.trim()).filter((o): o is string => !!o));
  const owners = [...named].map((o): [string, string] => [o, o.toLowerCase()]);
  for (const f of findings) {
    if (out.length >= LESSONS_PER_RECORD) break;
    if (f.severity !== 'error') continue;
    if (f.rule === 'unknown-action' && f.action !== undefined) {
      // The name is model text: quoted short, and the lesson names one valid action, never the whole menu.
      const near = nearestAction(f.action, f.fix);
      const text = `unknown-action: "${quote(f.action)}" is not an action here${near ? `; the nearest valid action is ${near}` : ''}`;
      out.push({
        kind: 'lesson',
        key: `${scope}|unknown-action|${normalise(quote(f.action))}`,
        text,
        data: { type: 'avoid', action: f.action.slice(0, 200) },
        human: 0,
        counts: true,
      });
      continue;
    }
    const fix = f.fix ? withoutOwners(generalFix(f.fix), owners) : '';
    const text = `${f.action ? `${f.action}: ` : ''}${f.rule}${fix ? ` — ${fix}` : ''}`;
    const add = /^(?:.*: )?add ([a-z0-9._-]+)/i.exec(fix)?.[1];
    const data: MemoryData =
      /^remove\b/.test(fix) && f.action
        ? { type: 'avoid', action: f.action, rule: f.rule }
        : add
          ? { type: 'fix', rule: f.rule, action: add }
          : { type: 'note' };
    // One lesson per distinct claim in a record: two findings saying the same count as one event.
    if (!out.some((o) => o.text === text))
      out.push({ kind: 'lesson', key: `${scope}|${f.rule}|${f.action ?? ''}|${normalise(fix)}`, text, data, human: 0, counts: true });
  }
  return out;
}

/** An insight as memory keeps it: one line, and its meaning (an ordering, a step to include, a step to leave out). */
function insightItem(i: Insight): { text: string; data: MemoryData } {
  const steps = i.actions.join(', ');
  const last = i.actions[i.actions.length - 1]!;
  if (i.change === 'remove') {
    const instead = i.instead?.length ? ` (${i.instead.join(', ')} instead)` : '';
    return { text: `${i.rule}: leave out ${last}${instead}`, data: { type: 'avoid', action: last, rule: i.rule } };
  }
  if (i.before === undefined) {
    const text = i.rule === 'goal' ? `the goal needs ${facts(i.fact)}: end with ${steps}` : `${i.rule}: include ${steps}`;
    return { text, data: { type: 'fix', rule: i.rule, action: last } };
  }
  const text = i.rule === 'precondition' ? `${i.before} needs ${facts(i.fact)}: put ${steps} before it` : `${i.rule}: put ${steps} before ${i.before}`;
  return { text, data: { type: 'ordering', before: last, after: i.before, rule: i.rule } };
}
const facts = (f: string | undefined) =>
  (f ?? '')
    .split(',')
    .map((x) => `\`${x}\``)
    .join(', ');

/** Insights the validator confirmed on the record's failed attempts: adding a step and moving it up are one claim. */
function insightsOf(rec: LogRecord): Observation[] {
  const scope = scopeKey(rec);
  return (rec.insights ?? []).map((i) => {
    const { text, data } = insightItem(i);
    return { kind: 'pattern', key: `${scope}|insight|${normalise(text)}`, text, data, human: 0, counts: true };
  });
}

/** Observations one log record contributes: a pure function of the record, so replaying the log reproduces memory. */
function observe(rec: LogRecord): Observation[] {
  if (rec.type === 'review') {
    // A person accepting an invalid plan (override) teaches nothing: no pattern, exemplar, insight or lesson.
    if (rec.review !== 'rejection') return [];
    const reason = rec.reason?.trim();
    return reason ? [{ kind: 'feedback', key: `${scopeKey(rec)}|${normalise(reason)}`, text: reason, data: { type: 'note' }, human: 1, counts: true }] : [];
  }
  // Planner and server faults (outcome `error`) are never lessons.
  if (rec.outcome === 'failed') return [...insightsOf(rec), ...lessonsOf(rec, rec.findings ?? [])];
  if (isValidOutcome(rec.outcome)) return [...insightsOf(rec), ...lessonsOf(rec, rec.repaired ?? [])];
  return [];
}

/** Whether a plan's actions satisfy (1), contradict (-1) or say nothing about (0) an insight. */
function verdict(data: MemoryData, actions: string[]): 1 | -1 | 0 {
  const at = (a: string) => actions.indexOf(a);
  if (data.type === 'fix') {
    if (at(data.action) < 0) return -1;
    return data.before && at(data.before) >= 0 && at(data.before) < at(data.action) ? -1 : 1;
  }
  if (data.type === 'avoid' && data.rule) return at(data.action) < 0 ? 1 : -1;
  if (data.type === 'ordering' && data.rule) {
    const [b, a] = [at(data.before), at(data.after)];
    return b < 0 || a < 0 ? 0 : b < a ? 1 : -1;
  }
  return 0;
}

const isInsight = (i: MemoryItem) => i.kind === 'pattern' && i.data.type !== 'exemplar';
const net = (i: MemoryItem) => i.count + i.human - (i.contra ?? 0);
/** A new champion (or, in logs of older versions, any valid plan) can contradict what memory says. */
const isChampion = (rec: LogRecord) => rec.outcome === 'improved' || rec.outcome === 'approved';

function touch(item: MemoryItem, rec: LogRecord): void {
  item.lastSeen = rec.time;
  item.seq = rec.seq;
  item.session = rec.session;
}

/** The goal's exemplar: replaced by a new champion unless the one held is at least as good under the same objectives. */
function updateExemplar(items: Map<string, MemoryItem>, rec: LogRecord, human: number): void {
  const steps = (rec.steps ?? []).map((s) => s.action);
  if (!steps.length) return;
  const id = itemId('pattern', `${scopeKey(rec)}|exemplar`);
  const held = items.get(id);
  const same = held?.data.type === 'exemplar' && held.data.steps.join('\n') === steps.join('\n');
  if (held && same) {
    if (human) held.human += human;
    else held.count += 1;
    touch(held, rec);
    return;
  }
  // Only a champion (a valid plan better than the session's best) replaces it; a person's approval alone does not.
  if (human || !isChampion(rec)) return;
  if (held?.data.type === 'exemplar' && betterScore(held.data, rec) !== 'new') return;
  const data: Extract<MemoryData, { type: 'exemplar' }> = { type: 'exemplar', steps, session: rec.session, iteration: rec.iteration };
  if (rec.score) data.score = rec.score;
  if (rec.objectives) data.objectives = rec.objectives;
  if (rec.planId) data.planId = rec.planId;
  items.set(id, exemplarItem(id, rec, data));
}

/** The goal's exemplar item, learned at `rec`. */
function exemplarItem(id: string, rec: LogRecord, data: Extract<MemoryData, { type: 'exemplar' }>): MemoryItem {
  return {
    id,
    kind: 'pattern',
    text: exemplarText(data.steps, data.score, data.objectives),
    data,
    procedure: rec.procedure,
    goalId: rec.goalId,
    count: 1,
    human: 0,
    lastSeen: rec.time,
    session: rec.session,
    seq: rec.seq,
  };
}

/**
 * A champion votes against the goal's insights it contradicts (support counts the failures an insight was confirmed
 * on, never the plans that happen to contain it); at zero net support an insight retires. An insight to leave out a
 * step the champion holds is false on its face: it goes at once, so none can name removing a champion's step.
 */
function vote(items: Map<string, MemoryItem>, rec: LogRecord): void {
  const actions = (rec.steps ?? []).map((s) => s.action);
  const fresh = new Set(insightsOf(rec).map((o) => itemId(o.kind, o.key)));
  for (const [id, item] of items) {
    if (!isInsight(item) || item.procedure !== rec.procedure || item.goalId !== rec.goalId || fresh.has(id)) continue;
    if (item.data.type === 'avoid' && actions.includes(item.data.action)) {
      items.delete(id);
      continue;
    }
    if (verdict(item.data, actions) >= 0) continue;
    item.contra = (item.contra ?? 0) + 1;
    touch(item, rec);
    if (net(item) <= 0) items.delete(id);
  }
}

/** Actions a person's rejection forbids: its compiled forbidden rules, else what the reader takes the reason to avoid. */
function forbiddenBy(rec: LogRecord): string[] {
  if (rec.constraints?.length) return rec.constraints.filter((r) => r.kind === 'forbidden').map((r) => (r as { action: string }).action);
  return rec.reason ? actionIntents(rec.reason, [...new Set((rec.steps ?? []).map((s) => s.action))]).avoid : [];
}

/** Whether a pattern recommends doing `a` (an exemplar holding it, adding it, or placing it). */
function recommends(item: MemoryItem, a: string): boolean {
  const d = item.data;
  if (d.type === 'exemplar') return d.steps.includes(a);
  if (d.type === 'fix' || d.type === 'include') return d.action === a;
  if (d.type === 'ordering') return d.before === a || d.after === a;
  return false;
}

/** Merges observations from `rec` into `items` (keyed by id): duplicates add their counts. */
function consolidate(items: Map<string, MemoryItem>, rec: LogRecord, observations: Observation[]): void {
  for (const o of observations) {
    const id = itemId(o.kind, o.key);
    const existing = items.get(id) ?? findNearDuplicate(items, o, rec);
    if (existing) {
      if (o.counts) existing.count += 1;
      existing.human += o.human;
      touch(existing, rec);
      continue;
    }
    items.set(id, {
      id,
      kind: o.kind,
      text: o.text,
      data: o.data,
      procedure: rec.procedure,
      goalId: rec.goalId,
      count: o.counts ? 1 : 0,
      human: o.human,
      lastSeen: rec.time,
      session: rec.session,
      seq: rec.seq,
    });
  }
}

/** What a record does to the goal's patterns beyond new observations: the exemplar, votes, and a rejection's retirements. */
function reconsider(items: Map<string, MemoryItem>, rec: LogRecord): void {
  const approval = rec.type === 'review' && rec.review === 'human-approval';
  // A repeat is the same evidence again: it neither replaces nor votes.
  if ((rec.type === 'iteration' && isValidOutcome(rec.outcome) && rec.outcome !== 'repeat') || approval) {
    // A person who approves a plan reviewed that plan (the exemplar), not the insights it happens to satisfy.
    updateExemplar(items, rec, approval ? 1 : 0);
    if (!approval && isChampion(rec)) vote(items, rec);
  }
  if (rec.type === 'review' && rec.review === 'rejection') retireExemplar(items, rec);
  // A person's rejection retires the patterns that recommend an action it forbids, in that goal only.
  const named = rec.type === 'review' && rec.review === 'rejection' ? forbiddenBy(rec) : [];
  if (named.length) {
    for (const [id, item] of items) {
      if (item.kind !== 'pattern' || item.procedure !== rec.procedure || item.goalId !== rec.goalId) continue;
      if (named.some((a) => recommends(item, a))) items.delete(id);
    }
  }
}

/** Rules about which steps a plan has and in what order (a kind this version does not know is none). */
const aboutSteps = (r: Rule) => (RULE_KINDS as readonly string[]).includes(r.kind) && kindOf(r).aboutSteps;

/**
 * A rejection retires the goal's exemplar when it is the rejected plan, or when it breaks a rule the person confirmed
 * for the whole goal: memory never shows a rejected plan, or one today's rules refuse, as the best plan.
 */
function retireExemplar(items: Map<string, MemoryItem>, rec: LogRecord): void {
  const id = itemId('pattern', `${scopeKey(rec)}|exemplar`);
  const held = items.get(id);
  if (held?.data.type === 'exemplar') {
    const steps = held.data.steps;
    const rejected = (rec.steps ?? []).map((s) => s.action);
    const same = rejected.length === steps.length && rejected.every((a, i) => a === steps[i]);
    // Only rules about which steps and in what order: the exemplar keeps its actions, not their owners or fields.
    const rules = rec.confirmed && rec.scope === 'goal' ? (rec.constraints ?? []).filter(aboutSteps) : [];
    const plan = { title: '', summary: '', steps: steps.map((action) => ({ action })) };
    if (same || (rules.length > 0 && ruleErrors(plan, rules).length > 0)) items.delete(id);
  }
  if (!items.has(id)) standExemplar(items, id, rec);
}

/** With the goal's best plan retired, the session's standing champion (the reducer's, re-checked) takes its place. */
function standExemplar(items: Map<string, MemoryItem>, id: string, rec: LogRecord): void {
  const best = rec.standing?.[0];
  if (!best?.steps?.length) return;
  const data: Extract<MemoryData, { type: 'exemplar' }> = {
    type: 'exemplar',
    steps: best.steps,
    score: best.score,
    planId: best.planId,
    session: rec.session,
    iteration: best.iteration,
  };
  if (rec.objectives) data.objectives = rec.objectives;
  items.set(id, exemplarItem(id, rec, data));
}

/** Applies one log record to a derived file's items (successful_patterns.md or lessons.md), then compacts them. */
export function learn(items: Map<string, MemoryItem>, rec: LogRecord, file: 'pattern' | 'lesson'): void {
  const observations = observe(rec).filter((o) => (file === 'pattern' ? o.kind === 'pattern' : o.kind !== 'pattern'));
  consolidate(items, rec, observations);
  if (file === 'pattern') reconsider(items, rec);
  // Compact on every record, so a replay of many records (recovery, rebuild) fades the same items.
  compact(items, rec.seq);
}

/** Free text said twice in other words still merges: word-set similarity within the same scope and kind. */
function findNearDuplicate(items: Map<string, MemoryItem>, o: Observation, rec: LogRecord): MemoryItem | undefined {
  if (o.kind !== 'feedback') return undefined;
  const words = new Set(
    normalise(o.text)
      .split(' ')
      .filter((w) => w.length > 2),
  );
  if (words.size < 3) return undefined;
  for (const item of items.values()) {
    if (item.kind !== o.kind || item.procedure !== rec.procedure || item.goalId !== rec.goalId) continue;
    const other = new Set(
      normalise(item.text)
        .split(' ')
        .filter((w) => w.length > 2),
    );
    let shared = 0;
    for (const w of words) if (other.has(w)) shared++;
    if (shared / (words.size + other.size - shared) >= 0.75) return item;
  }
  return undefined;
}

/** Restatements of plans that older versions learned ("Approved plans use X", plan shapes, adjacent pairs). */
function isRestatement(item: MemoryItem): boolean {
  const d = item.data;
  return (
    item.kind === 'pattern' &&
    (d.type === 'include' || (d.type === 'ordering' && !d.rule) || (d.type === 'note' && item.text.startsWith('Approved plan shape: ')))
  );
}

/**
 * Drops faded items (seen once, never by a person, not seen for STALE_AFTER log entries) and restatements, and
 * holds what jupiter learned for each goal and kind to its cap: what the current record taught stays, then the best
 * supported (then the most recent). A person's items (a hand-added line, a rejection's reason) are always kept.
 */
export function compact(items: Map<string, MemoryItem>, currentSeq: number): number {
  let dropped = 0;
  const groups = new Map<string, MemoryItem[]>();
  for (const [id, item] of items) {
    const faded = item.human === 0 && item.count <= 1 && item.seq !== undefined && currentSeq - item.seq > STALE_AFTER;
    if (faded || (item.seq !== undefined && isRestatement(item))) {
      items.delete(id);
      dropped++;
      continue;
    }
    if (item.data.type === 'exemplar' || item.human > 0) continue;
    const key = `${item.kind}|${item.procedure ?? ''}|${item.goalId ?? ''}`;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  for (const [key, group] of groups) {
    const cap = CAP[key.slice(0, key.indexOf('|')) as MemoryKind];
    if (group.length <= cap) continue;
    // What this record just taught stays (or nothing new could ever enter a full goal); then support.
    const fresh = (i: MemoryItem) => Number(i.seq === currentSeq);
    group.sort((a, b) => fresh(b) - fresh(a) || net(b) - net(a) || (b.seq ?? Infinity) - (a.seq ?? Infinity));
    for (const item of group.slice(cap)) {
      items.delete(item.id);
      dropped++;
    }
  }
  return dropped;
}
