// `jupiter sessions`: lists sessions with status and progress (`--json` too).
import type { Command } from 'commander';
import path from 'node:path';
import { FILES } from '../../memory/store.js';
import { SessionStore } from '../../engine/sessions.js';
import { safeText, terminalJson } from '../../core/text.js';
import type { Cli } from '../io.js';
import { configFrom, withConfig, withJson, withMemory } from '../options.js';
import { successRate, when } from '../format.js';

export function registerSessions(program: Command, cli: Cli): void {
  const { out, color: chalk } = cli;
  const cmd = program.command('sessions').description('list sessions with status and progress');
  withJson(withConfig(withMemory(cmd))).action(
    cli.action(async (opts: { memory?: string; json?: boolean; config?: string }) => {
      const config = configFrom(cli, opts);
      const store = new SessionStore(path.join(config.memoryDir, FILES.sessions));
      // SessionStore.load checks every field, so a file with wrong-typed counters is reported, never listed as NaN%.
      const { sessions, unreadable } = await store.list();
      if (opts.json) {
        out(
          terminalJson({
            sessions: sessions.map((s) => ({
              id: s.id,
              goal: s.goalText,
              procedure: s.procedure,
              goalId: s.goalId,
              status: s.status,
              createdAt: s.createdAt,
              updatedAt: s.updatedAt,
              iterations: s.settings.iterations,
              progress: s.progress,
              usage: s.usage,
              haltReason: s.haltReason ?? null,
            })),
            unreadable,
          }),
        );
        return;
      }
      if (!sessions.length && !unreadable.length) return void out(`No sessions in ${config.memoryDir} yet: start one with \`jupiter plan "<goal>"\`.`);
      // One write for the whole listing: thousands of sessions are thousands of lines.
      const lines: string[] = [];
      for (const s of sessions) {
        const colour = s.status === 'completed' ? chalk.green : s.status === 'running' ? chalk.cyan : chalk.yellow;
        lines.push(
          `${colour(s.status.padEnd(11))} ${s.id}  ${when(s.updatedAt)}  ${s.progress.completed}/${s.settings.iterations} · success ${successRate(s.progress)} · ${safeText(s.goalText, true)}`,
        );
        // The reason is worth a line only when it says more than the status column ("interrupted" twice says nothing).
        if (s.haltReason && s.status !== 'completed' && s.haltReason !== s.status) lines.push(chalk.dim(`            ${safeText(s.haltReason, true)}`));
      }
      for (const u of unreadable) lines.push(chalk.red(`unreadable  ${u.file}: ${safeText(u.reason, true)}`));
      out(lines.join('\n'));
    }),
  );
}
