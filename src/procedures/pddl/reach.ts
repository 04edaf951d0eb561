// Relaxed reachability for grounding, semi-naive: each fact, when it is first reached, is joined with the facts
// reached before it through every precondition it can match, so each action binding is built about once (not once
// per round), with facts indexed by predicate and argument and parameters type-checked as they are bound.
import type { PddlAction, PddlAtom } from './parse.js';

/** An atom with its arguments compiled: a number is a parameter's position, a string a constant. */
interface Pattern {
  pred: string;
  args: (number | string)[];
}

interface Schema {
  action: PddlAction;
  /** Positive preconditions other than equality: what the join matches against reached facts. */
  positives: Pattern[];
  /** Parameters no positive precondition binds: enumerated by type. */
  free: number[];
}

export interface ReachInput {
  actions: PddlAction[];
  /** The objects of each parameter type. */
  objectsOf: (type: string) => readonly string[];
  /** Whether an object is of a type. */
  isA: (object: string, type: string) => boolean;
  init: { pred: string; args: string[] }[];
}

/** Called with each binding found (parameter values in order); returns the facts the action adds. */
export type OnBinding = (action: PddlAction, values: string[]) => { pred: string; args: string[] }[];

function compile(action: PddlAction): Schema {
  const index = new Map(action.params.map((p, i) => [p.name, i]));
  const pattern = (a: PddlAtom): Pattern => ({ pred: a.pred, args: a.args.map((x) => index.get(x) ?? x) });
  const positives = action.pre.filter((l) => l.positive && l.atom.pred !== '=').map((l) => pattern(l.atom));
  const bound = new Set(positives.flatMap((p) => p.args.filter((x): x is number => typeof x === 'number')));
  return { action, positives, free: action.params.map((_, i) => i).filter((i) => !bound.has(i)) };
}

/** Reached facts by predicate, and by predicate, argument position and value. */
class Facts {
  private readonly byPred = new Map<string, string[][]>();
  private readonly byArg = new Map<string, string[][]>();
  private readonly keys = new Set<string>();
  add(pred: string, args: string[]): boolean {
    const key = `${pred} ${args.join(' ')}`;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    push(this.byPred, pred, args);
    args.forEach((v, i) => push(this.byArg, `${pred} ${i} ${v}`, args));
    return true;
  }
  /** Tuples of `pred` that may match `p` under `values` (narrowed by the first bound argument). */
  candidates(p: Pattern, values: (string | undefined)[]): readonly string[][] {
    for (let i = 0; i < p.args.length; i++) {
      const a = p.args[i]!;
      const v = typeof a === 'number' ? values[a] : a;
      if (v !== undefined) return this.byArg.get(`${p.pred} ${i} ${v}`) ?? [];
    }
    return this.byPred.get(p.pred) ?? [];
  }
}

function push(map: Map<string, string[][]>, key: string, value: string[]): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Binds `p` to `tuple` on top of `values`; undefined when they disagree or a value has the wrong type. */
function unify(p: Pattern, tuple: string[], values: (string | undefined)[], input: ReachInput, action: PddlAction): (string | undefined)[] | undefined {
  let out = values;
  for (let i = 0; i < p.args.length; i++) {
    const a = p.args[i]!;
    const v = tuple[i]!;
    if (typeof a === 'string') {
      if (a !== v) return undefined;
    } else if (out[a] === undefined) {
      if (!input.isA(v, action.params[a]!.type)) return undefined;
      if (out === values) out = [...values];
      out[a] = v;
    } else if (out[a] !== v) return undefined;
  }
  return out;
}

/** Every extension of `values` matching the `rest` patterns against reached facts, then free parameters by type. */
function* join(schema: Schema, rest: Pattern[], values: (string | undefined)[], facts: Facts, input: ReachInput): Generator<string[]> {
  if (rest.length === 0) {
    yield* enumerate(schema, 0, values, input);
    return;
  }
  // Most-bound pattern first: the index narrows it to few candidates.
  let pick = 0;
  let most = -1;
  rest.forEach((p, i) => {
    const n = p.args.filter((a) => typeof a === 'string' || values[a] !== undefined).length;
    if (n > most) {
      most = n;
      pick = i;
    }
  });
  const p = rest[pick]!;
  const others = rest.filter((_, i) => i !== pick);
  for (const tuple of facts.candidates(p, values)) {
    const next = unify(p, tuple, values, input, schema.action);
    if (next) yield* join(schema, others, next, facts, input);
  }
}

function* enumerate(schema: Schema, i: number, values: (string | undefined)[], input: ReachInput): Generator<string[]> {
  if (i === schema.free.length) {
    yield values as string[];
    return;
  }
  const k = schema.free[i]!;
  for (const o of input.objectsOf(schema.action.params[k]!.type)) {
    const next = [...values];
    next[k] = o;
    yield* enumerate(schema, i + 1, next, input);
  }
}

/**
 * Runs relaxed reachability from the initial facts: `onBinding` gets every binding whose positive preconditions can
 * all hold ignoring deletes (perhaps more than once; it filters) and returns the facts it adds, which join in turn.
 */
export function reachBindings(input: ReachInput, onBinding: OnBinding): void {
  const schemas = input.actions.map(compile);
  const byPred = new Map<string, { schema: Schema; at: number }[]>();
  for (const schema of schemas) schema.positives.forEach((p, at) => byPred.set(p.pred, [...(byPred.get(p.pred) ?? []), { schema, at }]));
  const facts = new Facts();
  const queue: { pred: string; args: string[] }[] = [];
  const seen = new Set<string>();
  const reach = (f: { pred: string; args: string[] }) => {
    const key = `${f.pred} ${f.args.join(' ')}`;
    if (seen.has(key)) return;
    seen.add(key);
    queue.push(f);
  };
  const found = (schema: Schema, values: string[]) => onBinding(schema.action, values).forEach(reach);
  input.init.forEach(reach);
  for (const schema of schemas) {
    if (schema.positives.length > 0) continue;
    for (const values of enumerate(schema, 0, new Array(schema.action.params.length).fill(undefined), input)) found(schema, values);
  }
  for (let q = 0; q < queue.length; q++) {
    const f = queue[q]!;
    facts.add(f.pred, f.args);
    for (const { schema, at } of byPred.get(f.pred) ?? []) {
      const p = schema.positives[at]!;
      const values = unify(p, f.args, new Array(schema.action.params.length).fill(undefined), input, schema.action);
      if (!values) continue;
      for (const full of join(
        schema,
        schema.positives.filter((_, i) => i !== at),
        values,
        facts,
        input,
      ))
        found(schema, full);
    }
  }
}
