// `jupiter validate <plan>`: checks a plan file (YAML, JSON or PDDL) against the procedures or a PDDL domain and
// problem; exit 0 valid, 1 invalid, 2 unreadable. `--format` writes the plan in the other form.
import type { Command } from 'commander';
import path from 'node:path';
import { ExitCode, InputError, UsageError } from '../../core/errors.js';
import { writeFileAtomicSync } from '../../core/fs/atomic.js';
import { parsePlanText } from '../../core/plan-io.js';
import { stringify } from 'yaml';
import { loadProcedures } from '../../procedures/load.js';
import { confirmedGoalRules } from '../../memory/human-rules-check.js';
import { withHumanRules } from '../../feedback/target.js';
import { importPddl } from '../../procedures/pddl/import.js';
import { readTextFile } from '../../core/text-file.js';
import { formatPddlPlan, looksLikePddlPlan, parsePddlPlan } from '../../procedures/pddl/plan-format.js';
import { valMessages } from '../../procedures/pddl/val-report.js';
import { findTarget, rankGoals, strongMatch, targetName } from '../../procedures/target.js';
import { countFindings, validatePlan } from '../../procedures/validate.js';
import type { PlanTarget, ProcedureLibrary } from '../../procedures/types.js';
import type { Plan, ValidationResult } from '../../core/plan.js';
import { safeText, terminalJson } from '../../core/text.js';
import type { Cli } from '../io.js';
import { configFrom, withConfig, withJson, withMemory, withProcedures } from '../options.js';
import { checkOutputFile } from '../output-file.js';
import { renderValidation } from '../render-validation.js';
import { scheduleLines } from '../schedule-view.js';

interface ValidateFlags {
  procedure?: string;
  /** commander's `--no-human-rules`: false when given. */
  humanRules?: boolean;
  memory?: string;
  pddl?: string[];
  format?: string;
  output?: string;
  json?: boolean;
  procedures?: string;
  config?: string;
}

/** The procedure and goal a plan file names: one it does not know is that file's fault (file:line), not a flag's. */
function namedTarget(library: ProcedureLibrary, plan: Plan & { procedure: string }, file: PlanFile): PlanTarget {
  try {
    return findTarget(library, plan.goal ? `${plan.procedure}/${plan.goal}` : plan.procedure);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const field = library.sets.some((s) => s.id === plan.procedure) ? 'goal' : 'procedure';
    const line = file.text.split('\n').findIndex((l) => new RegExp(`^\\s*["']?${field}["']?\\s*:`).test(l)) + 1;
    throw new InputError(`${field}: ${e.message.replace(/^--procedure: /, '')}`, { file: file.name, ...(line ? { line } : {}) });
  }
}

function targetFor(library: ProcedureLibrary, plan: Plan, spec: string | undefined, file: PlanFile): PlanTarget {
  if (spec) return findTarget(library, spec);
  if (plan.procedure) return namedTarget(library, { ...plan, procedure: plan.procedure }, file);
  // Only a clear match is used: validating against a guessed procedure would report a verdict nobody asked for.
  const matched = strongMatch(library, plan.title) ?? strongMatch(library, `${plan.title} ${plan.summary}`);
  if (matched) return matched;
  const candidates = rankGoals(library, plan.title).candidates.slice(0, 3).map(targetName);
  const hint = candidates.length ? ` (closest: ${candidates.join(', ')})` : '';
  throw new UsageError(
    `cannot tell which procedure this plan follows${hint}: add \`procedure:\` (and \`goal:\`) to the plan, or pass --procedure <set>[/<goal>]`,
  );
}

interface PlanFile {
  name: string;
  text: string;
}

/** A plan file in either form: PDDL (`(action args)` lines) when it looks like one, else YAML or JSON. */
function readAnyPlan(file: string): { plan: Plan; form: 'pddl' | 'yaml'; text: string } {
  const text = readTextFile(file, 'plan');
  if (!text.trim()) throw new InputError('the file is empty: expected a plan (YAML or JSON with title, summary and steps, or PDDL steps)', { file });
  if (looksLikePddlPlan(text)) return { plan: parsePddlPlan(text, file, path.basename(file)), form: 'pddl', text };
  // An exported runbook holds a plan in its own shape: say what the file is rather than "title is missing".
  if (/^\s*\{\s*"schema"\s*:\s*"jupiter\.runbook\//.test(text))
    throw new InputError('a runbook written by `jupiter export`, not a plan file: `jupiter export <session>` re-validates its plan', { file });
  return { plan: parsePlanText(text, file), form: 'yaml', text };
}

/** Validates against a PDDL domain and problem, grounding any action the plan names even if pruning dropped it. */
function pddlTarget(files: string[], plan: Plan): PlanTarget {
  if (files.length !== 2)
    throw new UsageError(
      `--pddl takes a domain and a problem file, got ${files.length} file(s) (write the plan first: jupiter validate PLAN --pddl DOMAIN PROBLEM)`,
    );
  const named = plan.steps.map((s) => {
    const [name, ...args] = s.action.toLowerCase().split('.');
    return { name: name!, args };
  });
  const { set } = importPddl(files[0]!, files[1]!, '(pddl)', named);
  return { set, goal: set.goals[0]! };
}

/** Says whether people's rules were checked too, and how many: a verdict never hides what it left out. */
function humanRulesNote(applied: number, left: boolean, file: string): string {
  if (left) return "human rules: left out (--no-human-rules): the goal's confirmed rules were not checked";
  if (applied === 0) return 'human rules: none confirmed for this goal';
  return `human rules: applied ${applied} confirmed rule${applied === 1 ? '' : 's'} for this goal from ${safeText(file, true)} (--no-human-rules leaves them out)`;
}

function verdictNote(result: ValidationResult): string {
  const { errors, warnings } = countFindings(result);
  return `${result.valid ? 'valid' : 'invalid'} against ${result.procedure}/${result.goal} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}; jupiter validate)`;
}

export function registerValidate(program: Command, cli: Cli): void {
  const { out } = cli;
  const cmd = program
    .command('validate')
    .description('validate a plan file (YAML, JSON or PDDL) against the procedures, or against a PDDL domain and problem')
    .argument('<plan>', 'plan file: YAML, JSON, or PDDL/VAL form ("(action arg1 arg2)" per line, ";" comments)')
    .option('--procedure <set[/goal]>', 'procedure set and goal to check against (default: from the plan, else matched from its title)')
    .option('--pddl <files...>', 'check against this PDDL domain and problem instead of the procedures (VAL semantics)')
    .option('--format <form>', 'also write the plan as pddl (VAL plan file) or yaml')
    .option('-o, --output <file>', 'with --format: write the converted plan here instead of stdout')
    .option('--no-human-rules', "leave out the confirmed human rules of the plan's goal (memory/human_rules.md), applied by default");
  withJson(withMemory(withProcedures(withConfig(cmd)))).action(
    cli.action((file: string, opts: ValidateFlags) => {
      if (opts.format !== undefined && opts.format !== 'pddl' && opts.format !== 'yaml')
        throw new UsageError(`--format must be pddl or yaml, got "${opts.format}"`);
      if (opts.output !== undefined && opts.format === undefined) throw new UsageError('-o/--output needs --format pddl or --format yaml');
      if (opts.output !== undefined) checkOutputFile(opts.output);
      const config = configFrom(cli, opts);
      const { plan, text } = readAnyPlan(file);
      const library = opts.pddl ? undefined : loadProcedures(config.proceduresDir);
      const base = library ? targetFor(library, plan, opts.procedure, { name: file, text }) : pddlTarget(opts.pddl!, plan);
      // A person's confirmed rules for this goal count as much as the procedure's, unless asked to leave them out.
      const human =
        library && opts.humanRules !== false
          ? confirmedGoalRules(config.memoryDir, library, { procedure: base.set.id, goalId: base.goal.id })
          : { rules: [], file: '' };
      const target = withHumanRules(base, human.rules);
      const applied = target.set.rules.length - base.set.rules.length;
      const result = validatePlan(plan, target);
      const code = result.valid ? ExitCode.ok : ExitCode.failure;
      if (opts.format) {
        const converted =
          opts.format === 'pddl'
            ? formatPddlPlan(plan, [verdictNote(result)])
            : stringify({ title: plan.title, summary: plan.summary, procedure: result.procedure, goal: result.goal, steps: plan.steps });
        if (opts.output === undefined) {
          // stdout is the converted plan alone, so it can be piped to VAL or a file.
          cli.io.stdout.write(converted);
          return code;
        }
        writeFileAtomicSync(opts.output, converted);
      }
      if (opts.json) out(terminalJson({ file, ...result, humanRules: applied, ...(opts.pddl ? { val: valMessages(result, plan) } : {}) }));
      else {
        out(`${safeText(file, true)}: ${safeText(plan.title, true)} (${plan.steps.length} steps)`);
        if (library) out(humanRulesNote(applied, opts.humanRules === false, human.file));
        renderValidation(result, cli.color).forEach((l) => out(l));
        if (result.valid) scheduleLines(plan, target).forEach((l) => out(l));
        if (opts.pddl) valMessages(result, plan).forEach((l) => out(`  VAL: ${l}`));
        if (opts.output) out(`wrote ${safeText(opts.output, true)} (${opts.format})`);
      }
      return code;
    }),
  );
}
