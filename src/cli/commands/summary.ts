// `jupiter summary`: what the system has learned (view the learning summary); `--json` too.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { Memory } from '../../memory/store.js';
import { learningSummary } from '../../state/summary.js';
import type { Cli } from '../io.js';
import { summaryFold } from '../../memory/summary-fold.js';
import { configFrom, withConfig, withJson, withMemory } from '../options.js';
import { summaryLines } from '../summary-view.js';
import { safeText, terminalJson } from '../../core/text.js';
import { UsageError } from '../../core/errors.js';

/** Iterations an unfiltered summary reads record by record (about 100 ms of the log); beyond, running totals. */
const FULL_HISTORY = 10_000;

export function registerSummary(program: Command, cli: Cli): void {
  const { out } = cli;
  const cmd = program
    .command('summary')
    .description(
      'what has been learned: the champion over time, success, repairs and failures per window, insights with votes, lessons, feedback, memory and context size',
    )
    .option('--session <id>', 'only this session')
    .option('--goal <goal>', 'only this goal: procedure/goal, a goal id, or words of the goal as typed');
  withJson(withConfig(withMemory(cmd))).action(
    cli.action(async (opts: { memory?: string; json?: boolean; config?: string; session?: string; goal?: string }) => {
      const config = configFrom(cli, opts);
      if (!existsSync(config.memoryDir)) {
        if (opts.json) return void out(terminalJson({ memory: config.memoryDir, iterations: 0 }));
        return void out(`No memory in ${config.memoryDir} yet: run \`jupiter plan "<goal>"\` first.`);
      }
      // Read-only: summary never writes, so it is safe beside a running session.
      const memory = await Memory.open(config.memoryDir, { create: false });
      const filtered = Boolean(opts.session || opts.goal);
      const totals = await memory.aggregate(summaryFold);
      // The learning detail reads the records; past FULL_HISTORY iterations an unfiltered summary keeps to the running
      // totals (fast at any size) and says how to see the detail.
      // One session's records are found where they are in the log; a goal's are spread over all of it.
      const records = opts.session
        ? await memory.records({ session: opts.session })
        : filtered || totals.iterations <= FULL_HISTORY
          ? await memory.records()
          : null;
      // A filter that matches nothing is a typo, not an empty history: say which flag.
      if (opts.session && !records?.some((r) => r.session === opts.session))
        throw new UsageError(`--session ${safeText(opts.session, true)}: no such session in ${config.memoryDir}`);
      const summary = await learningSummary(memory.dir, records ?? totals, await memory.items(), {
        ...(opts.session ? { session: opts.session } : {}),
        ...(opts.goal ? { goal: opts.goal } : {}),
      });
      if (opts.goal && summary.iterations === 0 && summary.sessions === 0)
        throw new UsageError(`--goal ${safeText(opts.goal, true)}: no session in ${config.memoryDir} worked on that goal`);
      if (opts.json) out(terminalJson(summary));
      else for (const l of summaryLines(summary, cli.color)) out(l);
      for (const b of memory.logBreaks) cli.err(`jupiter: ${b}: the summary counts each record once and skips what is missing`);
      for (const s of memory.skippedLines()) cli.err(`jupiter: ${s.file}:${s.line}: skipped an unreadable line: ${safeText(s.text, true)}`);
    }),
  );
}
