// `jupiter sessions`: lists sessions with status and progress (`--json` too).
import type { Command } from 'commander';
import path from 'node:path';
import { FILES } from '../../memory/store.js';
import { type SessionListing, SessionStore } from '../../engine/sessions.js';
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
              parent: s.parent ?? null,
              forkPoint: s.forkPoint ?? null,
            })),
            unreadable,
          }),
        );
        return;
      }
      if (!sessions.length && !unreadable.length) return void out(`No sessions in ${config.memoryDir} yet: start one with \`jupiter plan "<goal>"\`.`);
      // One write for the whole listing: thousands of sessions are thousands of lines.
      const lines: string[] = [];
      for (const { session: s, depth } of sessionTree(sessions)) {
        const colour = s.status === 'completed' ? chalk.green : s.status === 'running' ? chalk.cyan : chalk.yellow;
        // A fork sits under its parent, indented a step per generation, with the iteration it branched after.
        const indent = depth ? `${'  '.repeat(depth - 1)}└ ` : '';
        // Its counts are its line's (iteration numbers go on from the parent's): its own iterations are said beside them.
        const at = s.forkPoint ?? 0;
        const branched =
          s.parent !== undefined ? ` (${s.progress.completed - at} of its own ${s.settings.iterations - at}) · forked after iteration ${at}` : '';
        const success = `success ${successRate(s.progress)}${s.parent !== undefined ? ' over its line' : ''}`;
        lines.push(
          `${indent}${colour(s.status.padEnd(11))} ${s.id}  ${when(s.updatedAt)}  ${s.progress.completed}/${s.settings.iterations}${branched} · ${success} · ${safeText(s.goalText, true)}`,
        );
        // The reason is worth a line only when it says more than the status column ("interrupted" twice says nothing).
        if (s.haltReason && s.status !== 'completed' && s.haltReason !== s.status)
          lines.push(chalk.dim(`${' '.repeat(indent.length)}            ${safeText(s.haltReason, true)}`));
      }
      for (const u of unreadable) lines.push(chalk.red(`unreadable  ${u.file}: ${safeText(u.reason, true)}`));
      out(lines.join('\n'));
    }),
  );
}

/**
 * The listing as a tree: each session (newest first) followed by its forks, a generation deeper. A fork whose parent
 * is not listed (its file gone or unreadable) stands at the top.
 */
function sessionTree(sessions: SessionListing[]): { session: SessionListing; depth: number }[] {
  const listed = new Set(sessions.map((s) => s.id));
  const children = new Map<string, SessionListing[]>();
  for (const s of sessions)
    if (s.parent !== undefined && listed.has(s.parent) && s.parent !== s.id) children.set(s.parent, [...(children.get(s.parent) ?? []), s]);
  const out: { session: SessionListing; depth: number }[] = [];
  const seen = new Set<string>();
  const visit = (s: SessionListing, depth: number) => {
    if (seen.has(s.id)) return;
    seen.add(s.id);
    out.push({ session: s, depth });
    for (const c of children.get(s.id) ?? []) visit(c, depth + 1);
  };
  for (const s of sessions) if (s.parent === undefined || !listed.has(s.parent)) visit(s, 0);
  // Parents that are each other's forks (a hand edit): listed at the top rather than lost.
  for (const s of sessions) visit(s, 0);
  return out;
}
