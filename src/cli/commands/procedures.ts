// `jupiter procedures [list]`: lists the loaded procedure sets and lints them (exit 2 on errors); `new` and `import` add sets.
import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { loadProceduresWithIssues } from '../../procedures/load.js';
import { lintHumanRulesFile } from '../../memory/human-rules-check.js';
import { safeText, terminalJson } from '../../core/text.js';
import type { Cli } from '../io.js';
import { configFrom, withConfig, withJson, withMemory, withProcedures } from '../options.js';
import { registerProceduresImport } from './procedures-import.js';
import { registerProceduresNew } from './procedures-new.js';

export function registerProcedures(program: Command, cli: Cli): void {
  const { out, color: chalk } = cli;
  const group = program.command('procedures').description('list and lint the procedures; draft (new) or import (PDDL) more');
  // `jupiter procedures` alone lists, as it always did.
  const cmd = group.command('list', { isDefault: true }).description('list and lint the procedures (exit 2 on errors)');
  registerProceduresNew(group, cli);
  registerProceduresImport(group, cli);
  group.commands.forEach((c) => c.exitOverride());
  withJson(withMemory(withProcedures(withConfig(cmd)))).action(
    cli.action((opts: { json?: boolean; procedures?: string; config?: string; memory?: string }) => {
      const config = configFrom(cli, opts);
      const loaded = loadProceduresWithIssues(config.proceduresDir);
      const { library } = loaded;
      // memory/human_rules.md is linted with the procedures its rules name.
      const issues = [...loaded.issues, ...lintHumanRulesFile(config.memoryDir, library)];
      const errors = issues.filter((i) => i.severity === 'error').length;
      if (opts.json) {
        out(
          terminalJson({
            dir: library.dir,
            sets: library.sets.map((s) => ({
              id: s.id,
              name: s.name,
              file: s.file,
              goals: s.goals.map((g) => ({ id: g.id, description: g.description, facts: g.facts })),
              actions: s.actions.length,
              rules: s.rules.length,
            })),
            issues,
          }),
        );
      } else {
        out(`Procedures in ${safeText(library.dir, true)}`);
        for (const s of library.sets) {
          out(`${chalk.bold(s.id)}  ${safeText(s.name, true)}  (${s.actions.length} actions, ${s.rules.length} rules)`);
          for (const g of s.goals) out(`  goal ${g.id}: ${safeText(g.description, true)} → ${safeText(g.facts.join(', '), true)}`);
        }
        for (const i of issues)
          out(`${safeText(i.file, true)}:${i.line}: ${i.severity === 'error' ? chalk.red('error') : chalk.yellow('warning')}: ${safeText(i.message, true)}`);
        out(errors ? chalk.red(`${errors} error(s): fix them before planning`) : chalk.green(`${library.sets.length} set(s), no lint errors`));
      }
      return errors ? ExitCode.usage : ExitCode.ok;
    }),
  );
}
