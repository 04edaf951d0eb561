// `jupiter summary`: what the system has learned (view the learning summary); `--json` too.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { forkOwnCounts, forksAbove, forksAmong } from '../../engine/fork.js';
import type { SessionState } from '../../state/session.js';
import { SessionStore } from '../../engine/sessions.js';
import type { LogRecord } from '../../memory/record.js';
import { FILES, Memory } from '../../memory/store.js';
import { type ForkPoint, type Forks, lineageOf } from '../../state/lineage.js';
import { learningSummary } from '../../state/summary.js';
import type { Cli } from '../io.js';
import { summaryFold } from '../../memory/summary-fold.js';
import { configFrom, withConfig, withJson, withMemory } from '../options.js';
import { summaryLines } from '../summary-view.js';
import { safeText, terminalJson } from '../../core/text.js';
import { UsageError } from '../../core/errors.js';
import { exemplarCheck } from '../exemplar-check.js';

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
      // A session may be named by a part of its id no other shares (see SessionStore.expandId).
      if (opts.session) opts.session = await new SessionStore(path.join(memory.dir, FILES.sessions)).expandId(opts.session);
      const { records, forks, known, state } = await recordsOf(memory, opts, filtered || totals.iterations <= FULL_HISTORY);
      // A filter that matches nothing is a typo, not an empty history: say which flag.
      if (opts.session && !known) throw new UsageError(`--session ${safeText(opts.session, true)}: no such session in ${config.memoryDir}`);
      const summary = await learningSummary(memory.dir, records ?? totals, await memory.items(), {
        ...(opts.session ? { session: opts.session } : {}),
        ...(opts.goal ? { goal: opts.goal } : {}),
        forks,
        exemplarCheck: await exemplarCheck(config.proceduresDir, config.memoryDir),
      });
      // A fork's own counts, as its run showed them (the one reducer over its line, less the line at its fork point).
      const own = state && summary.filter.branch ? await forkOwnCounts(state, memory, forks) : undefined;
      if (own) summary.filter.branch = { ...summary.filter.branch!, own };
      if (opts.goal && summary.iterations === 0 && summary.sessions === 0)
        throw new UsageError(`--goal ${safeText(opts.goal, true)}: no session in ${config.memoryDir} worked on that goal`);
      if (opts.json) out(terminalJson(summary));
      else for (const l of summaryLines(summary, cli.color, cli.columns)) out(l);
      for (const b of memory.logBreaks) cli.err(`jupiter: ${b}: the summary counts each record once and skips what is missing`);
      for (const s of memory.skippedLines()) cli.err(`jupiter: ${s.file}:${s.line}: skipped an unreadable line: ${safeText(s.text, true)}`);
    }),
  );
}

/**
 * The records a summary reads (null: the running totals will do) and the fork points of the forks among them. One
 * session's records are found where they are in the log, a fork's with its ancestors' (its line); a goal's are spread
 * over all of it. `known`: the named session has a session file or records.
 */
async function recordsOf(
  memory: Memory,
  opts: { session?: string },
  readAll: boolean,
): Promise<{ records: LogRecord[] | null; forks: Forks; known: boolean; state?: SessionState | undefined }> {
  const store = new SessionStore(path.join(memory.dir, FILES.sessions));
  const load = (id: string) => store.load(id);
  if (opts.session === undefined) {
    const records = readAll ? await memory.records() : null;
    return { records, forks: records ? await forksAmong(records, load) : new Map(), known: true };
  }
  const state = await load(opts.session).catch(() => undefined);
  const forks = state ? await forksAbove(state, load).catch(() => new Map<string, ForkPoint>()) : new Map<string, ForkPoint>();
  const records: LogRecord[] = [];
  for (const link of lineageOf(opts.session, forks)) records.push(...(await memory.records({ session: link.session })));
  return { records, forks, known: state !== undefined || records.some((r) => r.session === opts.session), state };
}
