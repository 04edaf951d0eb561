// `jupiter procedures import DOMAIN.pddl PROBLEM.pddl`: grounds a STRIPS PDDL problem into a linted procedure set file.
import type { Command } from 'commander';
import path from 'node:path';
import { InputError } from '../../core/errors.js';
import { safeText } from '../../core/text.js';
import { writeNewFile } from '../../procedures/author/write.js';
import { groundInvariants } from '../../procedures/invariants.js';
import { importPddl } from '../../procedures/pddl/import.js';
import { authoringDir, shadowNote, terminalConfirmOverwrite } from '../authoring.js';
import type { Cli } from '../io.js';
import { configFrom, withConfig, withProcedures } from '../options.js';
import { checkOutputFile } from '../output-file.js';

interface ImportFlags {
  output?: string;
  force?: boolean;
  procedures?: string;
  config?: string;
}

export function registerProceduresImport(group: Command, cli: Cli): void {
  const { out, color: chalk } = cli;
  const cmd = group
    .command('import')
    .description('convert a STRIPS PDDL domain and problem (:typing, :negative-preconditions, :equality) into a procedure set')
    .argument('<domain>', 'PDDL domain file')
    .argument('<problem>', 'PDDL problem file')
    .option('-o, --output <file>', 'where to write the set ("-" for stdout; default: <procedures folder>/<domain>-<problem>.yaml)')
    .option('--force', 'replace the output file if it exists');
  withProcedures(withConfig(cmd)).action(
    cli.action(async (domainFile: string, problemFile: string, opts: ImportFlags) => {
      const toStdout = opts.output === '-';
      if (opts.output !== undefined && !toStdout) checkOutputFile(opts.output);
      // The set id is known only after parsing; lint messages name the final file.
      const probe = importPddl(domainFile, problemFile, opts.output && !toStdout ? opts.output : '(import)');
      const file = toStdout ? '(stdout)' : (opts.output ?? path.join(authoringDir(configFrom(cli, opts).proceduresDir, cli.io.cwd), `${probe.set.id}.yaml`));
      const result = file === probe.set.file ? probe : importPddl(domainFile, problemFile, file);
      const errors = result.issues.filter((i) => i.severity === 'error');
      // A set with lint errors would stop every other command from loading the folder: nothing is written.
      if (errors.length > 0)
        throw new InputError(`the converted set does not lint: ${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, {
          file: problemFile,
        });
      if (toStdout) {
        cli.io.stdout.write(result.yaml);
        return;
      }
      const note = shadowNote(configFrom(cli, opts).proceduresDir, cli.io.cwd, path.dirname(path.resolve(cli.io.cwd, file)));
      const confirm = terminalConfirmOverwrite(cli);
      const written = await writeNewFile(file, result.yaml, { ...(opts.force ? { force: true } : {}), ...(confirm ? { confirm } : {}) });
      if (!written) {
        out(`kept ${safeText(file, true)} (not replaced)`);
        return;
      }
      const { set, grounding } = result;
      const goal = set.goals[0]!;
      const invariants = groundInvariants(grounding);
      out(
        `${chalk.green('wrote')} ${safeText(file, true)}: ${set.actions.length} ground actions from ${grounding.schemas} schemas (grounded in ${grounding.cpuSeconds.toFixed(2)} s CPU; invariants: ${invariants.exclusivePairs} exclusive fact pairs in ${invariants.cpuSeconds.toFixed(2)} s CPU), goal ${set.id}/${goal.id} (${goal.facts.length} facts)`,
      );
      for (const w of result.issues) out(`${safeText(w.file, true)}:${w.line}: ${chalk.yellow('warning')}: ${safeText(w.message, true)}`);
      if (note) out(chalk.yellow(safeText(note, true)));
      out(`Plan with: jupiter plan --procedure ${set.id}/${goal.id} --procedures ${safeText(path.dirname(file), true)} "…"`);
    }),
  );
}
