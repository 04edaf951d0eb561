// `jupiter summary`: what the system has learned (view the learning summary); `--json` too.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { Memory } from '../../memory/store.js';
import { learningSummary } from '../../memory/summary.js';
import type { Cli } from '../io.js';
import { summaryFold } from '../../memory/summary-fold.js';
import { configFrom, withConfig, withJson, withMemory } from '../options.js';
import { summaryLines } from '../summary-view.js';
import { safeText } from '../../core/text.js';

export function registerSummary(program: Command, cli: Cli): void {
  const { out } = cli;
  const cmd = program.command('summary').description('what has been learned: success over time, patterns, lessons, feedback, memory and context size');
  withJson(withConfig(withMemory(cmd))).action(cli.action(async (opts: { memory?: string; json?: boolean; config?: string }) => {
    const config = configFrom(cli, opts);
    if (!existsSync(config.memoryDir)) {
      if (opts.json) return void out(JSON.stringify({ memory: config.memoryDir, iterations: 0 }));
      return void out(`No memory in ${config.memoryDir} yet: run \`jupiter plan "<goal>"\` first.`);
    }
    // Read-only: summary never writes, so it is safe beside a running session.
    const memory = await Memory.open(config.memoryDir, { create: false });
    const summary = await learningSummary(memory.dir, await memory.aggregate(summaryFold), await memory.items());
    if (opts.json) out(JSON.stringify(summary));
    else for (const l of summaryLines(summary, cli.color)) out(l);
    for (const s of memory.skippedLines()) cli.err(`jupiter: ${s.file}:${s.line}: skipped an unreadable line: ${safeText(s.text, true)}`);
  }));
}
