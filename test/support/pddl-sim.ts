// An independent simulation of a PDDL plan on the PDDL text itself (a reader of its own, no grounding, no procedure
// set), so tests of the built-in planner and of the instance generators share nothing with jupiter's import.
import type { PddlInstance } from '../../tools/pddl-gen.js';

/** The PDDL text as nested arrays of lowercase words: a reader of its own, so the simulation shares nothing with jupiter's. */
export type Tree = string | Tree[];
export function read(text: string): Tree[] {
  const words =
    text
      .replace(/;[^\n]*/g, '')
      .toLowerCase()
      .match(/[()]|[^\s()]+/g) ?? [];
  const stack: Tree[][] = [[]];
  for (const w of words) {
    if (w === '(') stack.push([]);
    else if (w === ')') {
      const done = stack.pop()!;
      stack[stack.length - 1]!.push(done);
    } else stack[stack.length - 1]!.push(w);
  }
  return stack[0]!;
}
export const section = (def: Tree[], key: string) => def.filter((s): s is Tree[] => Array.isArray(s) && s[0] === key);
export const atoms = (t: Tree): { positive: boolean; atom: string[] }[] => {
  if (!Array.isArray(t) || t.length === 0) return [];
  if (t[0] === 'and') return t.slice(1).flatMap(atoms);
  if (t[0] === 'not') return atoms(t[1]!).map((a) => ({ ...a, positive: false }));
  return [{ positive: true, atom: t as string[] }];
};

/** Runs the plan's steps on the PDDL itself: every precondition must hold, and the goal at the end. */
export function simulate(instance: PddlInstance, actions: readonly string[]): string | undefined {
  const domain = read(instance.domain)[0] as Tree[];
  const problem = read(instance.problem)[0] as Tree[];
  const state = new Set(
    section(problem, ':init')[0]!
      .slice(1)
      .map((a) => (a as string[]).join(' ')),
  );
  const schemas = new Map(section(domain, ':action').map((a) => [a[1] as string, a]));
  for (const [i, action] of actions.entries()) {
    const [name, ...args] = action.split('.');
    const schema = schemas.get(name!);
    if (!schema) return `step ${i + 1}: no action ${name}`;
    const key = (k: string) => schema[schema.indexOf(k) + 1]!;
    const params = (key(':parameters') as string[]).filter((p) => p.startsWith('?'));
    const bind = (atom: string[]) => atom.map((x) => (x.startsWith('?') ? args[params.indexOf(x)]! : x)).join(' ');
    for (const { positive, atom } of atoms(key(':precondition')))
      if (state.has(bind(atom)) !== positive) return `step ${i + 1} (${action}): ${positive ? '' : 'not '}(${bind(atom)}) does not hold`;
    const effects = atoms(key(':effect'));
    for (const { atom } of effects.filter((e) => !e.positive)) state.delete(bind(atom));
    for (const { atom } of effects.filter((e) => e.positive)) state.add(bind(atom));
  }
  const goal = atoms(section(problem, ':goal')[0]![1]!);
  const missing = goal.find(({ positive, atom }) => state.has(atom.join(' ')) !== positive);
  return missing ? `goal (${missing.atom.join(' ')}) not reached` : undefined;
}
