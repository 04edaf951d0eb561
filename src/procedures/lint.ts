// Cross-checks loaded procedure sets: duplicate ids, facts nothing provides, rules naming unknown actions, the roster.
import { normalName } from './people.js';
import { kindOf, planDemands } from './rules/index.js';
import type { LintIssue, ProcedureLibrary, ProcedureSet, SourceRef } from './types.js';

function issue(src: SourceRef | undefined, fallback: string, message: string, severity: LintIssue['severity'] = 'error'): LintIssue {
  return { severity, file: src?.file ?? fallback, line: src?.line ?? 1, message };
}

function duplicates<T extends { id: string; source?: SourceRef }>(items: T[], what: string, file: string): LintIssue[] {
  const seen = new Map<string, T>();
  const out: LintIssue[] = [];
  for (const item of items) {
    const first = seen.get(item.id);
    if (first) out.push(issue(item.source, file, `duplicate ${what} id "${item.id}" (first declared on line ${first.source?.line ?? '?'})`));
    else seen.set(item.id, item);
  }
  return out;
}

/** Facts reachable from `initial` ignoring delete effects and rules (a relaxed plan graph). */
export function relaxedReachable(set: ProcedureSet, initial: string[], excluded: ReadonlySet<string> = new Set()): Set<string> {
  const facts = new Set(initial);
  let grew = true;
  while (grew) {
    grew = false;
    for (const a of set.actions) {
      if (excluded.has(a.id) || !a.requires.every((f) => facts.has(f))) continue;
      for (const f of a.provides) {
        if (!facts.has(f)) {
          facts.add(f);
          grew = true;
        }
      }
    }
  }
  return facts;
}

/** A roster names each person once, apart from every role, and holds roles some action has. */
function lintRoster(set: ProcedureSet): LintIssue[] {
  const out: LintIssue[] = [];
  const roles = new Set(set.actions.flatMap((a) => (a.role ? [normalName(a.role)] : [])));
  const seen = new Map<string, number>();
  for (const entry of set.roster ?? []) {
    const name = normalName(entry.person);
    const first = seen.get(name);
    if (first !== undefined) out.push(issue(entry.source, set.file, `roster names "${entry.person}" twice (first on line ${first})`));
    else seen.set(name, entry.source?.line ?? 1);
    if (roles.has(name)) out.push(issue(entry.source, set.file, `roster person "${entry.person}" has the name of a role: a person and a role must differ`));
    for (const role of entry.roles)
      if (!roles.has(normalName(role)))
        out.push(issue(entry.source, set.file, `roster gives "${entry.person}" the role "${role}", which no action has`, 'warning'));
  }
  return out;
}

export function lintSet(set: ProcedureSet): LintIssue[] {
  const out: LintIssue[] = lintRoster(set);
  const file = set.file;
  out.push(...duplicates(set.actions, 'action', file), ...duplicates(set.goals, 'goal', file), ...duplicates(set.rules, 'rule', file));
  if (set.goals.length === 0) out.push(issue(undefined, file, `procedure "${set.id}" declares no goals`));
  const actionIds = new Set(set.actions.map((a) => a.id));
  const provided = new Set([...set.initial, ...set.goals.flatMap((g) => g.initial ?? []), ...set.actions.flatMap((a) => a.provides)]);
  for (const a of set.actions) {
    for (const f of a.requires) {
      if (!provided.has(f)) out.push(issue(a.source, file, `action "${a.id}" requires fact "${f}" that no action provides and no starting state holds`));
    }
  }
  for (const rule of set.rules) {
    const kind = kindOf(rule);
    for (const id of kind.actions(rule)) {
      if (!actionIds.has(id)) out.push(issue(rule.source, file, `rule "${rule.id}" names unknown action "${id}"`));
    }
    const conflict = kind.lint?.(rule, set);
    if (conflict) out.push(issue(rule.source, file, conflict));
  }
  const forbidden = new Set(planDemands(set.rules).forbid);
  for (const goal of set.goals) {
    const start = goal.initial ?? set.initial;
    for (const f of goal.facts) {
      if (!provided.has(f)) out.push(issue(goal.source, file, `goal "${goal.id}" needs fact "${f}" that no action provides`));
    }
    const reachable = relaxedReachable(set, start, forbidden);
    const unreachable = goal.facts.filter((f) => provided.has(f) && !reachable.has(f));
    if (unreachable.length > 0)
      out.push(
        issue(
          goal.source,
          file,
          `goal "${goal.id}" cannot be reached: no allowed chain of actions provides ${unreachable.map((f) => `"${f}"`).join(', ')}`,
          'warning',
        ),
      );
  }
  return out;
}

export function lintLibrary(library: ProcedureLibrary): LintIssue[] {
  const out: LintIssue[] = [];
  const seen = new Map<string, string>();
  for (const set of library.sets) {
    const first = seen.get(set.id);
    if (first) out.push(issue(undefined, set.file, `duplicate procedure id "${set.id}" (also in ${first})`));
    else seen.set(set.id, set.file);
    out.push(...lintSet(set));
  }
  return out.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}
