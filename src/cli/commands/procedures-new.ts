// `jupiter procedures new [goal] [--from DOC...]`: drafts a procedure set with a model (or builds one by asking), then writes it once confirmed.
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { FlagValues } from '../../config/layers.js';
import type { Cli } from '../io.js';
import { configFrom, withSettings } from '../options.js';
import { terminalIO } from '../new-procedures-io.js';
import { checkOutputFile } from '../output-file.js';

type NewFlags = FlagValues & { from?: string[]; output?: string; force?: boolean; yes?: boolean; maxRepairs?: string };

export function registerProceduresNew(group: Command, cli: Cli): void {
  const cmd = group
    .command('new')
    .description('draft a procedure set for a goal: with a model from your documents (--from), else step by step; written only after you confirm')
    .argument('[goal]', 'what the procedures are for, e.g. "Launch a marketing campaign"')
    .option('--from <docs...>', "the organisation's own documents to draft from (SOPs, policies, runbooks; text or markdown)")
    .option('-o, --output <file>', 'where to write the set (default: <procedures folder>/<set id>.yaml)')
    .option('--force', 'replace the output file if it exists')
    .option('-y, --yes', 'write without asking (the draft is still shown)')
    .option('--max-repairs <n>', 'rounds the model gets to fix lint errors in its draft (default 2)');
  withSettings(cmd, ['provider', 'baseUrls', 'model', 'timeoutMs', 'proceduresDir', 'config']).action(
    cli.action(async (goalArg: string | undefined, opts: NewFlags) => {
      // --from here names documents, not the settings table's --from <n> (resume --fork): only the settings are resolved.
      const { from: _docs, output: _output, force: _force, yes: _yes, maxRepairs: _repairs, ...settings } = opts;
      const config = configFrom(cli, settings);
      const maxRepairs = opts.maxRepairs === undefined ? undefined : Number(opts.maxRepairs);
      if (maxRepairs !== undefined && (!Number.isInteger(maxRepairs) || maxRepairs < 0 || maxRepairs > 10))
        throw new UsageError(`--max-repairs must be a whole number from 0 to 10, got "${opts.maxRepairs}"`);
      if (opts.output !== undefined) checkOutputFile(opts.output);
      const io = await terminalIO(cli, cli.out);
      let goal = goalArg?.trim();
      if (!goal && io.scaffold)
        goal = (
          await io.scaffold.input('What are the procedures for? (the goal, in a sentence)', { validate: (v) => (v.trim() ? true : 'say what the work is') })
        ).trim();
      if (!goal) throw new UsageError('no goal: jupiter procedures new "Launch a marketing campaign"');
      const { runNewProcedures } = await import('../new-procedures.js');
      await runNewProcedures(
        {
          goal,
          from: opts.from ?? [],
          config,
          ...(opts.output ? { output: opts.output } : {}),
          ...(opts.force ? { force: true } : {}),
          ...(opts.yes ? { yes: true } : {}),
          ...(maxRepairs !== undefined ? { maxRepairs } : {}),
        },
        io,
      );
    }),
  );
}
