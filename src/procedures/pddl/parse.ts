// Reads a STRIPS PDDL domain and problem (:typing, :negative-preconditions, :equality); anything beyond is refused by name and line.
// Like VAL and Fast Downward, a construct used without its :requirements flag is read anyway, with a warning.
import { InputError } from '../../core/errors.js';
import { atomText, isForm, parseSExps, typedList, type List, type SExp } from './sexp.js';

const SUPPORTED_REQUIREMENTS = [':strips', ':typing', ':negative-preconditions', ':equality'] as const;

/** `(pred arg...)`; an argument is a variable (`?x`) or a constant. `=` is the equality predicate. */
export interface PddlAtom {
  pred: string;
  args: string[];
  line: number;
}
export interface PddlLiteral {
  atom: PddlAtom;
  positive: boolean;
}
export interface Typed {
  name: string;
  type: string;
  line: number;
}
export interface PddlAction {
  name: string;
  params: Typed[];
  pre: PddlLiteral[];
  add: PddlAtom[];
  del: PddlAtom[];
  line: number;
}
/** Something read although the file does not declare it (a missing requirement flag). */
export interface PddlWarning {
  file: string;
  line: number;
  message: string;
}
export interface PddlDomain {
  name: string;
  file: string;
  requirements: Set<string>;
  warnings: PddlWarning[];
  /** Each declared type and its parent (`object` is the root). */
  types: Map<string, string>;
  constants: Typed[];
  predicates: Map<string, number>;
  actions: PddlAction[];
}
export interface PddlProblem {
  name: string;
  file: string;
  warnings: PddlWarning[];
  domain: string;
  objects: Typed[];
  init: PddlAtom[];
  goal: PddlLiteral[];
}

/** The requirement each construct beyond STRIPS needs, to name it when refusing. */
const BEYOND: Record<string, string> = {
  or: ':disjunctive-preconditions',
  imply: ':disjunctive-preconditions',
  exists: ':existential-preconditions',
  forall: ':universal-preconditions',
  when: ':conditional-effects',
  increase: ':numeric-fluents (or :action-costs)',
  decrease: ':numeric-fluents',
  assign: ':numeric-fluents',
  'scale-up': ':numeric-fluents',
  'scale-down': ':numeric-fluents',
  '<': ':numeric-fluents',
  '>': ':numeric-fluents',
  '<=': ':numeric-fluents',
  '>=': ':numeric-fluents',
};

class Reader {
  readonly warnings: PddlWarning[] = [];
  constructor(readonly file: string) {}
  fail(line: number, message: string): never {
    throw new InputError(message, { file: this.file, line });
  }
  /** Reads on without `requirement` undeclared, warning once per file (and treating it as declared from then on). */
  assume(requirements: Set<string>, requirement: string, line: number, what: string): void {
    if (requirements.has(requirement)) return;
    requirements.add(requirement);
    this.warnings.push({ file: this.file, line, message: `${what} without the requirement ${requirement}: read as if declared (as VAL and Fast Downward do)` });
  }
  list(e: SExp | undefined, what: string, line: number): List {
    if (e?.kind !== 'list') this.fail(e?.line ?? line, `expected ${what}`);
    return e;
  }
  name(e: SExp | undefined, what: string, line: number): string {
    const t = atomText(e);
    if (t === undefined) this.fail(e?.line ?? line, `expected ${what}`);
    return t;
  }
}

function checkRequirements(r: Reader, section: List, into: Set<string>): void {
  for (const e of section.items.slice(1)) {
    const req = r.name(e, 'a requirement such as :strips', section.line);
    if (!(SUPPORTED_REQUIREMENTS as readonly string[]).includes(req)) {
      r.fail(e.line, `requirement ${req} is not supported (jupiter reads STRIPS: ${SUPPORTED_REQUIREMENTS.join(', ')})`);
    }
    into.add(req);
  }
}

/** Reads an atom `(pred arg...)`, checking the predicate and its arity when `predicates` is known. */
function readAtom(r: Reader, e: SExp, predicates: Map<string, number> | undefined, requirements: Set<string>): PddlAtom {
  const list = r.list(e, 'an atom such as (at ?x ?y)', e.line);
  const head = list.items[0];
  const pred = r.name(head, 'a predicate name', list.line);
  const beyond = predicates?.has(pred) ? undefined : BEYOND[pred];
  if (beyond) r.fail(list.line, `"${pred}" needs ${beyond}, which is not supported (STRIPS only)`);
  const args = list.items.slice(1).map((a) => {
    if (a.kind === 'list')
      r.fail(a.line, `"(${pred} ...)" has a nested expression as an argument: function terms need :numeric-fluents, which is not supported (STRIPS only)`);
    return a.text;
  });
  if (pred === '=') {
    r.assume(requirements, ':equality', list.line, '"=" used');
    if (args.length !== 2) r.fail(list.line, '"=" compares exactly two terms');
  } else if (predicates) {
    const arity = predicates.get(pred);
    if (arity === undefined) r.fail(list.line, `unknown predicate "${pred}" (declare it under :predicates)`);
    if (arity !== args.length) r.fail(list.line, `"${pred}" takes ${arity} argument(s), got ${args.length}`);
  }
  return { pred, args, line: list.line };
}

/** A conjunction of literals (preconditions and goals); `()` is the empty conjunction. */
function readConjunction(r: Reader, e: SExp, predicates: Map<string, number>, requirements: Set<string>, out: PddlLiteral[] = []): PddlLiteral[] {
  const list = r.list(e, 'a condition', e.line);
  if (list.items.length === 0) return out;
  const head = atomText(list.items[0]);
  if (head === 'and') {
    for (const part of list.items.slice(1)) readConjunction(r, part, predicates, requirements, out);
    return out;
  }
  if (head === 'not') {
    const inner = list.items[1];
    if (list.items.length !== 2 || inner?.kind !== 'list') r.fail(list.line, '"not" takes exactly one atom');
    const atom = readAtom(r, inner, predicates, requirements);
    if (atom.pred !== '=') r.assume(requirements, ':negative-preconditions', list.line, 'a negated condition');
    out.push({ atom, positive: false });
    return out;
  }
  out.push({ atom: readAtom(r, list, predicates, requirements), positive: true });
  return out;
}

function readEffect(r: Reader, e: SExp, predicates: Map<string, number>, requirements: Set<string>, add: PddlAtom[], del: PddlAtom[]): void {
  const list = r.list(e, 'an effect', e.line);
  if (list.items.length === 0) return;
  const head = atomText(list.items[0]);
  if (head === 'and') {
    for (const part of list.items.slice(1)) readEffect(r, part, predicates, requirements, add, del);
    return;
  }
  if (head === 'not') {
    const inner = list.items[1];
    if (list.items.length !== 2 || inner?.kind !== 'list') r.fail(list.line, '"not" takes exactly one atom');
    del.push(readAtom(r, inner, predicates, requirements));
    return;
  }
  const atom = readAtom(r, list, predicates, requirements);
  if (atom.pred === '=') r.fail(list.line, 'an effect cannot assert equality');
  add.push(atom);
}

function checkTerms(r: Reader, action: PddlAction, atoms: PddlAtom[], constants: Set<string>): void {
  const params = new Set(action.params.map((p) => p.name));
  for (const atom of atoms) {
    for (const a of atom.args) {
      if (a.startsWith('?') ? !params.has(a) : !constants.has(a)) {
        r.fail(
          atom.line,
          a.startsWith('?')
            ? `action "${action.name}" uses ${a}, which is not one of its parameters`
            : `action "${action.name}" names "${a}", which is not a declared constant`,
        );
      }
    }
  }
}

function readAction(r: Reader, list: List, domain: PddlDomain): PddlAction {
  const name = r.name(list.items[1], 'an action name', list.line);
  const action: PddlAction = { name, params: [], pre: [], add: [], del: [], line: list.line };
  for (let i = 2; i < list.items.length; i += 2) {
    const key = r.name(list.items[i], 'a keyword such as :parameters', list.line);
    const value = list.items[i + 1];
    if (value === undefined) r.fail(list.items[i]!.line, `${key} has no value`);
    if (key === ':parameters') action.params = typedList(r.list(value, 'a parameter list', list.line).items, r.file);
    else if (key === ':precondition') action.pre = readConjunction(r, value, domain.predicates, domain.requirements);
    else if (key === ':effect') readEffect(r, value, domain.predicates, domain.requirements, action.add, action.del);
    else if (key === ':duration' || key === ':condition') r.fail(value.line, `${key} needs :durative-actions, which is not supported (STRIPS only)`);
    else r.fail(list.items[i]!.line, `unknown action keyword ${key}`);
  }
  for (const p of action.params) {
    if (!p.name.startsWith('?')) r.fail(p.line, `parameter "${p.name}" of "${name}" must start with "?"`);
    if (!domain.types.has(p.type)) r.fail(p.line, `unknown type "${p.type}" (declare it under :types)`);
  }
  const constants = new Set(domain.constants.map((c) => c.name));
  checkTerms(r, action, [...action.pre.map((l) => l.atom), ...action.add, ...action.del], constants);
  return action;
}

function readTypes(r: Reader, section: List, domain: PddlDomain): void {
  r.assume(domain.requirements, ':typing', section.line, ':types declared');
  for (const t of typedList(section.items.slice(1), r.file)) {
    if (t.name === 'object') continue;
    domain.types.set(t.name, t.type);
    if (!domain.types.has(t.type)) domain.types.set(t.type, 'object');
  }
  // A type's ancestors must end at `object`: a cycle would make every type check loop.
  for (const start of domain.types.keys()) {
    const seen = new Set<string>();
    for (let t: string | undefined = start; t && t !== 'object'; t = domain.types.get(t)) {
      if (seen.has(t)) r.fail(section.line, `type "${start}" is its own ancestor`);
      seen.add(t);
    }
  }
}

function definition(r: Reader, text: string, kind: 'domain' | 'problem'): { name: string; sections: List[] } {
  const top = parseSExps(text, r.file);
  const def = top.find((e) => isForm(e, 'define'));
  if (def?.kind !== 'list') r.fail(top[0]?.line ?? 1, `expected (define (${kind} NAME) ...)`);
  const head = r.list(def.items[1], `(${kind} NAME)`, def.line);
  if (atomText(head.items[0]) !== kind)
    r.fail(head.line, `expected (${kind} NAME), found (${atomText(head.items[0]) ?? '...'} ...): is this a ${kind === 'domain' ? 'problem' : 'domain'} file?`);
  const name = r.name(head.items[1], `the ${kind} name`, head.line);
  const sections = def.items.slice(2).map((s) => r.list(s, 'a section such as (:requirements ...)', def.line));
  return { name, sections };
}

/** Parses a domain file's text. */
export function parseDomain(text: string, file: string): PddlDomain {
  const r: Reader = new Reader(file);
  const { name, sections } = definition(r, text, 'domain');
  const domain: PddlDomain = {
    name,
    file,
    requirements: new Set([':strips']),
    warnings: r.warnings,
    types: new Map([['object', 'object']]),
    constants: [],
    predicates: new Map(),
    actions: [],
  };
  // Requirements first, wherever they are written: they decide what the other sections may hold.
  for (const s of sections) if (atomText(s.items[0]) === ':requirements') checkRequirements(r, s, domain.requirements);
  for (const s of sections) {
    const key = atomText(s.items[0]);
    if (key === ':requirements') continue;
    else if (key === ':types') readTypes(r, s, domain);
    else if (key === ':constants') domain.constants.push(...typedList(s.items.slice(1), file));
    else if (key === ':predicates') {
      for (const p of s.items.slice(1)) {
        const pl = r.list(p, 'a predicate declaration such as (at ?x ?y)', s.line);
        domain.predicates.set(r.name(pl.items[0], 'a predicate name', pl.line), typedList(pl.items.slice(1), file).length);
      }
    } else if (key === ':action') domain.actions.push(readAction(r, s, domain));
    else if (key === ':functions') r.fail(s.line, ':functions needs :numeric-fluents (or :action-costs), which is not supported (STRIPS only)');
    else if (key === ':durative-action') r.fail(s.line, ':durative-action needs :durative-actions, which is not supported (STRIPS only)');
    else if (key === ':derived') r.fail(s.line, ':derived needs :derived-predicates, which is not supported (STRIPS only)');
    else r.fail(s.line, `unknown domain section ${key ?? '(...)'}`);
  }
  for (const c of domain.constants) if (!domain.types.has(c.type)) r.fail(c.line, `unknown type "${c.type}" for constant "${c.name}"`);
  const seen = new Set<string>();
  for (const a of domain.actions) {
    if (seen.has(a.name)) r.fail(a.line, `duplicate action "${a.name}"`);
    seen.add(a.name);
  }
  return domain;
}

/** Parses a problem file's text against its domain. */
export function parseProblem(text: string, file: string, domain: PddlDomain): PddlProblem {
  const r: Reader = new Reader(file);
  const { name, sections } = definition(r, text, 'problem');
  const problem: PddlProblem = { name, file, warnings: r.warnings, domain: '', objects: [], init: [], goal: [] };
  const requirements = new Set(domain.requirements);
  for (const s of sections) if (atomText(s.items[0]) === ':requirements') checkRequirements(r, s, requirements);
  for (const s of sections) {
    const key = atomText(s.items[0]);
    if (key === ':domain') {
      problem.domain = r.name(s.items[1], 'the domain name', s.line);
      if (problem.domain !== domain.name) r.fail(s.line, `problem is for domain "${problem.domain}", but the domain file defines "${domain.name}"`);
    } else if (key === ':requirements' || key === ':metric') continue;
    else if (key === ':objects') problem.objects.push(...typedList(s.items.slice(1), file));
    else if (key === ':init') {
      for (const f of s.items.slice(1)) {
        if (isForm(f, '=')) r.fail(f.line, 'numeric initial values need :numeric-fluents, which are not supported (STRIPS only)');
        if (isForm(f, 'not')) continue; // closed world: what is not listed is false anyway
        problem.init.push(readAtom(r, f, domain.predicates, requirements));
      }
    } else if (key === ':goal') {
      const g = s.items[1];
      if (g === undefined) r.fail(s.line, ':goal is empty');
      problem.goal = readConjunction(r, g, domain.predicates, requirements);
    } else r.fail(s.line, `unknown problem section ${key ?? '(...)'}`);
  }
  const objects = new Set([...domain.constants, ...problem.objects].map((o) => o.name));
  for (const o of problem.objects) if (!domain.types.has(o.type)) r.fail(o.line, `unknown type "${o.type}" for object "${o.name}"`);
  for (const atom of [...problem.init, ...problem.goal.map((l) => l.atom)]) {
    for (const a of atom.args)
      if (!objects.has(a)) r.fail(atom.line, a.startsWith('?') ? `variable ${a} outside an action` : `unknown object "${a}" (declare it under :objects)`);
  }
  if (problem.goal.length === 0 && !sections.some((s) => atomText(s.items[0]) === ':goal')) r.fail(1, 'the problem has no :goal');
  return problem;
}
