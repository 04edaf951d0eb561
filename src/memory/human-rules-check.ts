// memory/human_rules.md checked like code: a line that is not a rule, a rule naming an action its procedure lacks, or
// two rules that contradict each other is an error naming file:line and quoting the person's words.
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { readRegular, statRegular } from '../core/fs/regular.js';
import { decodeUtf8, editDistance } from '../core/text.js';
import { actionsOf, ruleLine } from '../feedback/rule-text.js';
import type { LintIssue, ProcedureLibrary, Rule } from '../procedures/types.js';
import { kindOf } from '../procedures/rules/index.js';
import { contradicts, type HumanRuleEntry, parseHumanRules, together } from './human-rules.js';
import { FILES } from './store.js';

const FORMS =
  '`a before b`, `a right after b`, `always include a`, `never use a`, `a and b by different people`, `a done by <owner>`, `at most N steps`, `a, b must fill <field>`, `every step must fill <field>`';

/** A rule as the person reads it in the file: its line and their words. */
function quoted(e: Pick<HumanRuleEntry, 'rule' | 'quote'>): string {
  return `"${ruleLine(e.rule)}"${e.quote ? ` (from "${e.quote}")` : ''}`;
}

/** The actions a rule's scope may name: its procedure's, or every set's when the scope names no known one. */
function knownActions(library: ProcedureLibrary, e: HumanRuleEntry): { actions: Set<string>; where: string } | undefined {
  const id = e.scope.kind === 'goal' ? e.scope.procedure : e.procedure;
  const set = id === undefined ? undefined : library.sets.find((s) => s.id === id);
  if (set) return { actions: new Set(set.actions.map((a) => a.id)), where: set.id };
  // A rule for a procedure no longer in the folder cannot apply to any run: nothing to check it against.
  if (id !== undefined) return undefined;
  return { actions: new Set(library.sets.flatMap((s) => s.actions.map((a) => a.id))), where: 'the procedures' };
}

function unknownActions(library: ProcedureLibrary, e: HumanRuleEntry, file: string): LintIssue[] {
  const known = knownActions(library, e);
  if (!known) return [];
  return actionsOf(e.rule)
    .filter((a) => !known.actions.has(a))
    .map((a) => {
      const guess = [...known.actions].map((id) => ({ id, d: editDistance(id, a) })).sort((x, y) => x.d - y.d)[0];
      const hint = guess && guess.d <= Math.max(2, Math.floor(a.length / 3)) ? ` (did you mean "${guess.id}"?)` : '';
      return { severity: 'error', file, line: e.line ?? 1, message: `${quoted(e)}: "${a}" is not an action of ${known.where}${hint}` };
    });
}

/** Every problem in the text of human_rules.md, by line. */
export function lintHumanRules(text: string, file: string, library: ProcedureLibrary): LintIssue[] {
  const { entries, skipped } = parseHumanRules(text);
  const out: LintIssue[] = skipped.map((s) => ({
    severity: 'error',
    file,
    line: s.line,
    message: `"${s.text.replace(/^[-*]\s*/, '')}" is not a rule line (rule · goal <procedure>/<goal> or session <id> · confirmed · "words"; rule forms: ${FORMS})`,
  }));
  const earlierOf = earlierIndex();
  for (const e of entries) {
    out.push(...unknownActions(library, e, file));
    for (const earlier of earlierOf(e))
      if (contradicts(earlier.rule, e.rule) && together(earlier, e))
        out.push({
          severity: 'error',
          file,
          line: e.line ?? 1,
          message: `${quoted(e)} contradicts line ${earlier.line ?? '?'}, ${quoted(earlier)}: delete or edit one`,
        });
  }
  return out.sort((a, b) => a.line - b.line);
}

/**
 * The entries before each one (call in file order) that could contradict it. `contradicts(earlier, e)` asks the
 * earlier rule's kind, and two rules contradict only through an action they both name (every kind's `contradicts`
 * compares actions): so only earlier rules of a kind that can contradict are kept, indexed by action (rules naming
 * none are compared with each other). Near-linear for a 10,000-line file, where comparing every pair took 30 s.
 */
function earlierIndex(): (e: HumanRuleEntry) => HumanRuleEntry[] {
  const byAction = new Map<string, HumanRuleEntry[]>();
  const actionless: HumanRuleEntry[] = [];
  return (e) => {
    const actions = [...new Set(actionsOf(e.rule))];
    const found = new Set<HumanRuleEntry>(actions.length ? actions.flatMap((a) => byAction.get(a) ?? []) : actionless);
    if (kindOf(e.rule).contradicts) {
      if (!actions.length) actionless.push(e);
      for (const a of actions) {
        const list = byAction.get(a);
        if (list) list.push(e);
        else byAction.set(a, [e]);
      }
    }
    return [...found].sort((x, y) => (x.line ?? 0) - (y.line ?? 0));
  };
}

/** The file's text, undefined when there is none; a link or special file is refused, never followed (memory's rule). */
function rulesText(file: string): string | undefined {
  if (!statRegular(file)) return undefined;
  const { text, badLine } = decodeUtf8(readRegular(file));
  if (badLine !== null) throw new InputError('human rules file is not valid UTF-8 text', { file, line: badLine });
  return text;
}

/** Whether the memory folder's human_rules.md holds a confirmed rule for some goal (cheap: no procedures needed). */
export function hasConfirmedGoalRules(memoryDir: string): boolean {
  const text = rulesText(path.join(memoryDir, FILES.humanRules));
  return text !== undefined && parseHumanRules(text).entries.some((e) => e.confirmed && e.scope.kind === 'goal');
}

/** The issues of the memory folder's human_rules.md (none when there is no such file). */
export function lintHumanRulesFile(memoryDir: string, library: ProcedureLibrary): LintIssue[] {
  const file = path.join(memoryDir, FILES.humanRules);
  const text = rulesText(file);
  return text === undefined ? [] : lintHumanRules(text, file, library);
}

/**
 * The confirmed rules a person gave for this goal, from the memory folder's human_rules.md (checked first, like a
 * run's start): what `validate` applies by default.
 */
export function confirmedGoalRules(memoryDir: string, library: ProcedureLibrary, goal: { procedure: string; goalId: string }): { rules: Rule[]; file: string } {
  const file = path.join(memoryDir, FILES.humanRules);
  const text = rulesText(file);
  if (text === undefined) return { rules: [], file };
  checkHumanRulesFile(memoryDir, library);
  const { entries } = parseHumanRules(text);
  const mine = entries.filter((e) => e.confirmed && e.scope.kind === 'goal' && e.scope.procedure === goal.procedure && e.scope.goalId === goal.goalId);
  return { rules: [...new Map(mine.map((e) => [e.rule.id, e.rule])).values()], file };
}

/** Before a run starts: the memory folder's human_rules.md, when there is one, must lint clean (exit 2 otherwise). */
export function checkHumanRulesFile(memoryDir: string, library: ProcedureLibrary): void {
  const errors = lintHumanRulesFile(memoryDir, library);
  const first = errors[0];
  if (!first) return;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more: run \`jupiter procedures\`)` : '';
  throw new InputError(`${first.message}${more}`, { file: first.file, line: first.line });
}
