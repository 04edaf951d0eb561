// `jupiter validate <plan>`: checks a plan file against the procedures; exit 0 valid, 1 invalid, 2 unreadable.
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/errors.js';
import { readPlanFile } from '../../core/plan-io.js';
import { loadProcedures } from '../../procedures/load.js';
import { findTarget, rankGoals, strongMatch, targetName } from '../../procedures/target.js';
import { validatePlan } from '../../procedures/validate.js';
import type { PlanTarget, ProcedureLibrary } from '../../procedures/types.js';
import type { Plan } from '../../core/plan.js';
import { safeText } from '../../core/text.js';
import type { Cli } from '../io.js';
import { configFrom, withConfig, withJson, withProcedures } from '../options.js';
import { renderValidation } from '../render-validation.js';

function targetFor(library: ProcedureLibrary, plan: Plan, spec: string | undefined): PlanTarget {
  if (spec) return findTarget(library, spec);
  if (plan.procedure) return findTarget(library, plan.goal ? `${plan.procedure}/${plan.goal}` : plan.procedure);
  // Only a clear match is used: validating against a guessed procedure would report a verdict nobody asked for.
  const matched = strongMatch(library, plan.title) ?? strongMatch(library, `${plan.title} ${plan.summary}`);
  if (matched) return matched;
  const candidates = rankGoals(library, plan.title).candidates.slice(0, 3).map(targetName);
  const hint = candidates.length ? ` (closest: ${candidates.join(', ')})` : '';
  throw new UsageError(`cannot tell which procedure this plan follows${hint}: add \`procedure:\` (and \`goal:\`) to the plan, or pass --procedure <set>[/<goal>]`);
}

export function registerValidate(program: Command, cli: Cli): void {
  const { out } = cli;
  const cmd = program
    .command('validate')
    .description('validate a plan file (YAML or JSON) against the procedures')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--procedure <set[/goal]>', 'procedure set and goal to check against (default: from the plan, else matched from its title)');
  withJson(withProcedures(withConfig(cmd))).action(cli.action((file: string, opts: { procedure?: string; json?: boolean; procedures?: string; config?: string }) => {
    const config = configFrom(cli, opts);
    const library = loadProcedures(config.proceduresDir);
    const plan = readPlanFile(file);
    const result = validatePlan(plan, targetFor(library, plan, opts.procedure));
    if (opts.json) out(JSON.stringify({ file, ...result }));
    else {
      out(`${safeText(file, true)}: ${safeText(plan.title, true)} (${plan.steps.length} steps)`);
      renderValidation(result, cli.color).forEach((l) => out(l));
    }
    return result.valid ? ExitCode.ok : ExitCode.failure;
  }));
}
