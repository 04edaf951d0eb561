// The built-in planner's search: A* with the admissible h_max heuristic over the procedure's STRIPS actions,
// with the rules compiled into the domain (ordering and required actions become bookkeeping facts).
import type { Plan, PlanStep } from '../core/plan.js';
import { relaxedReachable } from '../procedures/lint.js';
import type { ActionDef, PlanTarget } from '../procedures/types.js';

export interface SearchPreferences {
  /** Actions to favour when plans of equal length exist (e.g. patterns from approved plans). */
  prefer?: string[];
  /** Actions never to use (prohibitions from lessons or a person). */
  avoid?: string[];
  /** Actions the plan must contain (a person asked for them). */
  require?: string[];
  /** Preferred orderings, applied when the plan stays valid. */
  orderings?: { before: string; after: string }[];
  /** Also obey warning-severity rules (default true; the planner relaxes this only if no plan exists). */
  strict?: boolean;
  /** Search effort bound. */
  maxExpansions?: number;
}

export type SearchResult =
  | { found: true; actions: string[]; expanded: number }
  | { found: false; reason: string; expanded: number };

interface Op {
  id: string;
  pre: number[];
  add: number[];
  del: number[];
  cost: number;
}

class MinHeap<T> {
  private items: { key: number; seq: number; value: T }[] = [];
  private seq = 0;
  get size(): number {
    return this.items.length;
  }
  push(key: number, value: T): void {
    const a = this.items;
    a.push({ key, seq: this.seq++, value });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(a[p]!, a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top.value;
  }
  private less(x: { key: number; seq: number }, y: { key: number; seq: number }): boolean {
    return x.key < y.key - 1e-9 || (Math.abs(x.key - y.key) <= 1e-9 && x.seq < y.seq);
  }
}

/** Compiles the procedure and preferences into numbered facts and operators. */
function compile(target: PlanTarget, prefs: SearchPreferences) {
  const { set, goal } = target;
  const strict = prefs.strict ?? true;
  const rules = set.rules.filter((r) => strict || r.severity === 'error');
  const banned = new Set([...rules.flatMap((r) => (r.kind === 'forbidden' ? [r.action] : [])), ...(prefs.avoid ?? [])]);
  const mustDo = new Set([...rules.flatMap((r) => (r.kind === 'required' ? [r.action] : [])), ...(prefs.require ?? [])]);
  const prefer = new Set(prefs.prefer ?? []);
  const ids = new Map<string, number>();
  const fact = (f: string) => ids.get(f) ?? (ids.set(f, ids.size), ids.size - 1);
  const done = (a: string) => fact(`\u0000done:${a}`);
  const ops: Op[] = [];
  for (const a of set.actions as ActionDef[]) {
    if (banned.has(a.id)) continue;
    const pre = a.requires.map(fact);
    const add = a.provides.map(fact);
    for (const r of rules) if (r.kind === 'ordering' && r.after === a.id) pre.push(done(r.before));
    if (mustDo.has(a.id) || rules.some((r) => r.kind === 'ordering' && r.before === a.id)) add.push(done(a.id));
    // Preferred actions cost exactly 1; others a hair more, so ties break toward what memory favours.
    ops.push({ id: a.id, pre, add, del: a.removes.map(fact).filter((f) => !add.includes(f)), cost: prefer.has(a.id) ? 1 : 1 + 1e-4 });
  }
  const init = (goal.initial ?? set.initial).map(fact);
  const goalFacts = [...goal.facts.map(fact), ...[...mustDo].map(done)];
  const maxSteps = Math.min(Infinity, ...rules.flatMap((r) => (r.kind === 'max-steps' ? [r.max] : [])));
  return { ops, init, goalFacts, maxSteps, banned, mustDo, nFacts: ids.size };
}

/** h_max: the costliest single goal fact in the relaxed problem (admissible, so A* stays optimal). */
function hmax(state: Uint8Array, ops: Op[], goalFacts: number[], nFacts: number): number {
  const cost = new Float64Array(nFacts).fill(Infinity);
  for (let f = 0; f < nFacts; f++) if (state[f]) cost[f] = 0;
  let changed = true;
  while (changed) {
    changed = false;
    for (const op of ops) {
      let c = 0;
      for (const p of op.pre) if (cost[p]! > c) c = cost[p]!;
      if (c === Infinity) continue;
      c += 1;
      for (const a of op.add) if (c < cost[a]!) (cost[a] = c), (changed = true);
    }
  }
  let h = 0;
  for (const g of goalFacts) if (cost[g]! > h) h = cost[g]!;
  return h;
}

function explainUnreachable(target: PlanTarget, banned: Set<string>, mustDo: Set<string>): string | undefined {
  const { set, goal } = target;
  const start = goal.initial ?? set.initial;
  const allowed = relaxedReachable(set, start, banned);
  for (const f of goal.facts) {
    if (allowed.has(f)) continue;
    const providers = set.actions.filter((a) => a.provides.includes(f));
    if (providers.length === 0) return `no plan exists: no action provides \`${f}\``;
    if (providers.every((a) => banned.has(a.id))) return `no plan exists: \`${f}\` is provided only by ${providers.map((a) => a.id).join(', ')}, which ${providers.length > 1 ? 'are' : 'is'} forbidden`;
    return `no plan exists: \`${f}\` is unreachable (what ${providers.map((a) => a.id).join(', ')} need${providers.length > 1 ? '' : 's'} can never hold)`;
  }
  for (const a of mustDo) {
    const action = set.actions.find((x) => x.id === a);
    if (!action || banned.has(a)) return `no plan exists: ${a} is required but ${action ? 'forbidden' : 'not an action'}`;
    if (!action.requires.every((f) => allowed.has(f))) return `no plan exists: required action ${a} can never run`;
  }
  return undefined;
}

/** Finds a shortest (then most preferred) action sequence reaching the goal under the rules. */
export function searchPlan(target: PlanTarget, prefs: SearchPreferences = {}): SearchResult {
  const { ops, init, goalFacts, maxSteps, banned, mustDo, nFacts } = compile(target, prefs);
  const why = explainUnreachable(target, banned, mustDo);
  if (why) return { found: false, reason: why, expanded: 0 };
  const limit = prefs.maxExpansions ?? 200_000;
  const start = new Uint8Array(nFacts);
  for (const f of init) start[f] = 1;
  type NodeT = { state: Uint8Array; g: number; depth: number; parent: NodeT | null; op: string | null };
  // The empty plan is its own node: a plan needs at least one step even when the goal already holds.
  const key = (s: Uint8Array) => s.join('');
  const best = new Map<string, number>();
  const open = new MinHeap<NodeT>();
  open.push(hmax(start, ops, goalFacts, nFacts), { state: start, g: 0, depth: 0, parent: null, op: null });
  let expanded = 0;
  while (open.size > 0) {
    const node = open.pop()!;
    if (node.depth > 0 && goalFacts.every((f) => node.state[f])) {
      const actions: string[] = [];
      for (let n: NodeT | null = node; n && n.op; n = n.parent) actions.push(n.op);
      return { found: true, actions: actions.reverse(), expanded };
    }
    if (node.depth > 0 && (best.get(key(node.state)) ?? Infinity) < node.g - 1e-9) continue;
    if (++expanded > limit) return { found: false, reason: `no plan found within ${limit} search steps`, expanded };
    if (node.depth >= maxSteps) continue;
    for (const op of ops) {
      if (!op.pre.every((p) => node.state[p])) continue;
      const next = node.state.slice();
      for (const d of op.del) next[d] = 0;
      for (const a of op.add) next[a] = 1;
      const g = node.g + op.cost;
      const k = key(next);
      if ((best.get(k) ?? Infinity) <= g + 1e-9) continue;
      const h = hmax(next, ops, goalFacts, nFacts);
      if (h === Infinity || node.depth + 1 + h > maxSteps) continue;
      best.set(k, g);
      open.push(g + h, { state: next, g, depth: node.depth + 1, parent: node, op: op.id });
    }
  }
  const bound = Number.isFinite(maxSteps) ? ` in at most ${maxSteps} steps` : '';
  return { found: false, reason: `no plan exists: no sequence of allowed actions reaches ${target.goal.facts.map((f) => `\`${f}\``).join(', ')}${bound} while obeying the rules`, expanded };
}

/** Turns an action sequence into plan steps: owners from roles (kept apart where duties must be segregated), fields filled. */
export function materialize(target: PlanTarget, actions: string[]): PlanStep[] {
  const { set } = target;
  const byId = new Map(set.actions.map((a) => [a.id, a]));
  const steps: PlanStep[] = actions.map((id) => {
    const a = byId.get(id);
    const step: PlanStep = { action: id, description: a?.description ?? id, owner: a?.role ?? `${id} owner` };
    const fields = new Set(a?.fields ?? []);
    for (const r of set.rules) if (r.kind === 'required-fields' && (!r.actions || r.actions.includes(id))) r.fields.forEach((f) => fields.add(f));
    for (const f of fields) if (step[f] === undefined) step[f] = f === 'evidence' ? `record of ${id} linked in the change ticket` : `${f} for ${id}`;
    return step;
  });
  for (const r of set.rules) {
    if (r.kind !== 'segregation') continue;
    const [a, b] = r.actions;
    const ownersA = new Set(steps.filter((s) => s.action === a).map((s) => String(s.owner).toLowerCase()));
    for (const s of steps) if (s.action === b && ownersA.has(String(s.owner).toLowerCase())) s.owner = `${String(s.owner)} (independent of ${a})`;
  }
  return steps;
}

export function planFromActions(target: PlanTarget, actions: string[], summary: string): Plan {
  return { title: target.goal.description, summary, procedure: target.set.id, goal: target.goal.id, steps: materialize(target, actions) };
}
