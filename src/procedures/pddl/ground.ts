// Grounds a PDDL domain and problem into STRIPS actions over named facts, keeping only actions reachable from the start.
import { InputError } from '../../core/errors.js';
import type { PddlAction, PddlAtom, PddlDomain, PddlLiteral, PddlProblem, Typed } from './parse.js';
import { reachBindings } from './reach.js';

/** A ground action in jupiter's terms; facts are written the PDDL way: `(at truck1 depot)`, `(not (clear a))`. */
export interface GroundAction {
  /** `name.arg1.arg2`: PDDL names cannot hold ".", so the id maps back to `(name arg1 arg2)` without ambiguity. */
  id: string;
  name: string;
  args: string[];
  requires: string[];
  provides: string[];
  removes: string[];
}

export interface Grounding {
  actions: GroundAction[];
  /** Fluent facts true at the start (static facts are folded into the grounding), plus compiled negations. */
  initial: string[];
  goal: string[];
  /** Schemas of the domain, for the record. */
  schemas: number;
  /** CPU seconds the grounding took (this thread). */
  cpuSeconds: number;
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Grounding stops here rather than exhaust memory on a problem far beyond hand-made procedures. */
const MAX_GROUND_ACTIONS = 100_000;

const factKey = (pred: string, args: string[]): string => (args.length ? `(${pred} ${args.join(' ')})` : `(${pred})`);
const notKey = (fact: string): string => `(not ${fact})`;
const groundId = (name: string, args: string[]): string => [name, ...args].join('.');

/** Objects and constants, with a check that walks the type hierarchy. */
class Universe {
  readonly objects: Typed[];
  private readonly typeOf = new Map<string, string>();
  constructor(
    private readonly domain: PddlDomain,
    problem: PddlProblem,
  ) {
    const byName = new Map<string, Typed>();
    for (const o of [...domain.constants, ...problem.objects]) byName.set(o.name, o);
    this.objects = [...byName.values()];
    for (const o of this.objects) this.typeOf.set(o.name, o.type);
  }
  private readonly byType = new Map<string, string[]>();
  isA(object: string, type: string): boolean {
    if (type === 'object') return this.typeOf.has(object);
    for (let t = this.typeOf.get(object); t !== undefined; t = t === 'object' ? undefined : this.domain.types.get(t)) if (t === type) return true;
    return false;
  }
  ofType(type: string): string[] {
    let list = this.byType.get(type);
    if (!list) this.byType.set(type, (list = this.objects.filter((o) => this.isA(o.name, type)).map((o) => o.name)));
    return list;
  }
}

type Binding = Map<string, string>;
const term = (b: Binding, a: string) => (a.startsWith('?') ? b.get(a) : a);
const bindAtom = (b: Binding, atom: PddlAtom) => atom.args.map((a) => term(b, a)!);

interface Context {
  domain: PddlDomain;
  universe: Universe;
  fluent: Set<string>;
  /** Initial facts, static and fluent (closed world). */
  init: Set<string>;
}

/** Checks what grounding alone can decide: types, equality, static preconditions. Returns why not, or undefined. */
function staticCheck(ctx: Context, action: PddlAction, b: Binding): string | undefined {
  for (const p of action.params) if (!ctx.universe.isA(b.get(p.name)!, p.type)) return `${b.get(p.name)} is not a ${p.type}`;
  for (const l of action.pre) {
    const args = bindAtom(b, l.atom);
    if (l.atom.pred === '=') {
      if ((args[0] === args[1]) !== l.positive) return `${l.positive ? '' : 'not '}(= ${args.join(' ')}) is false`;
    } else if (!ctx.fluent.has(l.atom.pred)) {
      const holds = ctx.init.has(factKey(l.atom.pred, args));
      if (holds !== l.positive) return `${l.positive ? '' : 'not '}${factKey(l.atom.pred, args)} never holds`;
    }
  }
  return undefined;
}

function makeAction(ctx: Context, action: PddlAction, b: Binding): GroundAction {
  const args = action.params.map((p) => b.get(p.name)!);
  const requires: string[] = [];
  for (const l of action.pre) {
    if (l.atom.pred === '=' || !ctx.fluent.has(l.atom.pred)) continue;
    const f = factKey(l.atom.pred, bindAtom(b, l.atom));
    requires.push(l.positive ? f : notKey(f));
  }
  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    id: groundId(action.name, args),
    name: action.name,
    args,
    requires: uniq(requires),
    provides: uniq(action.add.map((a) => factKey(a.pred, bindAtom(b, a)))),
    removes: uniq(action.del.map((a) => factKey(a.pred, bindAtom(b, a)))),
  };
}

function context(domain: PddlDomain, problem: PddlProblem): Context {
  const fluent = new Set(domain.actions.flatMap((a) => [...a.add, ...a.del].map((x) => x.pred)));
  return { domain, universe: new Universe(domain, problem), fluent, init: new Set(problem.init.map((a) => factKey(a.pred, a.args))) };
}

/**
 * Rewrites negated facts the planner and validator can treat as ordinary ones: `(not p)` holds at the start when `p`
 * does not, is added by every action that deletes `p` without adding it, and removed by every action that adds `p`.
 */
function compileNegations(actions: GroundAction[], init: Set<string>, negated: Set<string>): string[] {
  for (const a of actions) {
    for (const p of a.provides) if (negated.has(p)) a.removes.push(notKey(p));
    for (const p of a.removes) if (negated.has(p) && !a.provides.includes(p)) a.provides.push(notKey(p));
  }
  return [...negated].filter((p) => !init.has(p)).map(notKey);
}

function goalFacts(ctx: Context, goal: PddlLiteral[], negated: Set<string>, file: string): string[] {
  const out: string[] = [];
  for (const l of goal) {
    if (l.atom.pred === '=') {
      if ((l.atom.args[0] === l.atom.args[1]) !== l.positive) throw new InputError('the goal asks for an equality that is false', { file, line: l.atom.line });
      continue;
    }
    const f = factKey(l.atom.pred, l.atom.args);
    // A static goal fact that already holds needs no action; one that does not can never be reached, and stays
    // in the goal so the import reports it.
    if (!ctx.fluent.has(l.atom.pred) && ctx.init.has(f) === l.positive) continue;
    if (!l.positive) negated.add(f);
    out.push(l.positive ? f : notKey(f));
  }
  return out;
}

/**
 * Grounds the whole problem with reachability pruning: an action is kept only if its preconditions can all hold
 * (ignoring deletes). `named` actions (from a plan being validated) are added even when pruned, if they fit the domain.
 */
export function groundProblem(domain: PddlDomain, problem: PddlProblem, named: { name: string; args: string[] }[] = []): Grounding {
  const started = cpuSeconds();
  const ctx = context(domain, problem);
  const actions = new Map<string, GroundAction>();
  const none: { pred: string; args: string[] }[] = [];
  const universe = ctx.universe;
  const input = {
    actions: domain.actions,
    objectsOf: (t: string) => universe.ofType(t),
    isA: (o: string, t: string) => universe.isA(o, t),
    init: problem.init,
  };
  reachBindings(input, (schema, values) => {
    const id = groundId(schema.name, values);
    if (actions.has(id)) return none;
    const b: Binding = new Map(schema.params.map((p, i) => [p.name, values[i]!]));
    if (staticCheck(ctx, schema, b) !== undefined) return none;
    const g = makeAction(ctx, schema, b);
    if (g.provides.length === 0 && g.removes.length === 0) return none; // changes nothing: no plan needs it
    actions.set(id, g);
    if (actions.size > MAX_GROUND_ACTIONS)
      throw new InputError(`grounding exceeds ${MAX_GROUND_ACTIONS} actions: the problem is too large for procedures`, { file: problem.file, line: 1 });
    return schema.add.map((a) => ({ pred: a.pred, args: bindAtom(b, a) }));
  });
  for (const n of named) {
    const id = groundId(n.name, n.args);
    const g = actions.has(id) ? undefined : groundNamed(ctx, n.name, n.args);
    if (g) actions.set(id, g);
  }
  const list = [...actions.values()];
  const negated = new Set(list.flatMap((a) => a.requires.filter((f) => f.startsWith('(not ')).map((f) => f.slice(5, -1))));
  const goal = goalFacts(ctx, problem.goal, negated, problem.file);
  const initial = [...problem.init.filter((a) => ctx.fluent.has(a.pred)).map((a) => factKey(a.pred, a.args)), ...compileNegations(list, ctx.init, negated)];
  return { actions: list, initial: [...new Set(initial)], goal, schemas: domain.actions.length, cpuSeconds: cpuSeconds() - started };
}

/**
 * Grounds one named action on demand (a plan may name an action that reachability pruned; VAL still runs it and
 * reports its precondition): static preconditions that fail stay as requirements, so validation names them.
 */
function groundNamed(ctx: Context, name: string, args: string[]): GroundAction | undefined {
  const schema = ctx.domain.actions.find((a) => a.name === name);
  if (!schema || schema.params.length !== args.length) return undefined;
  const b: Binding = new Map(schema.params.map((p, i) => [p.name, args[i]!]));
  if (schema.params.some((p) => !ctx.universe.isA(b.get(p.name)!, p.type))) return undefined;
  const g = makeAction(ctx, schema, b);
  for (const l of schema.pre) {
    const bound = bindAtom(b, l.atom);
    if (l.atom.pred === '=') {
      if ((bound[0] === bound[1]) !== l.positive) g.requires.push(`(${l.positive ? '' : 'not '}= ${bound.join(' ')})`);
    } else if (!ctx.fluent.has(l.atom.pred) && ctx.init.has(factKey(l.atom.pred, bound)) !== l.positive) {
      g.requires.push(l.positive ? factKey(l.atom.pred, bound) : notKey(factKey(l.atom.pred, bound)));
    }
  }
  return g;
}
