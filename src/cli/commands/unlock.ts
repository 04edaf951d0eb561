// `jupiter unlock [name]`: shows the locks in a memory folder and breaks those whose holder is gone (or, with
// --force, one a person knows is dead: a holder on another host, which jupiter cannot check from here).
import os from 'node:os';
import type { Command } from 'commander';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { describeHolder, readLockInfo, staleReason } from '../../core/fs/lock.js';
import { safeText } from '../../core/text.js';
import { checkSessionId } from '../../engine/sessions.js';
import { FILES } from '../../memory/store.js';
import type { Cli } from '../io.js';
import { configFrom, withConfig, withMemory } from '../options.js';

/** The memory folder's shared write lock goes by this name; every other lock is a session's. */
const MEMORY_LOCK = 'memory';

async function locksIn(memoryDir: string): Promise<Map<string, string>> {
  const locks = new Map<string, string>();
  const write = path.join(memoryDir, FILES.internal, 'write.lock');
  const sessions = path.join(memoryDir, FILES.sessions);
  if ((await readdir(path.dirname(write)).catch(() => [] as string[])).includes('write.lock')) locks.set(MEMORY_LOCK, write);
  for (const name of await readdir(sessions).catch(() => [] as string[])) if (name.endsWith('.lock')) locks.set(name.slice(0, -5), path.join(sessions, name));
  return locks;
}

export function registerUnlock(program: Command, cli: Cli): void {
  const { out } = cli;
  const cmd = program
    .command('unlock [name]')
    .description(`break stale locks: a session's (by id) or "${MEMORY_LOCK}" (the memory folder's write lock); without a name, every lock whose holder is gone`)
    .option('--force', 'break the named lock even though its holder may be running (e.g. on another host that is gone)');
  withConfig(withMemory(cmd)).action(
    cli.action(async (name: string | undefined, opts: { memory?: string; config?: string; force?: boolean }) => {
      const config = configFrom(cli, opts);
      if (name !== undefined && name !== MEMORY_LOCK) checkSessionId(name);
      const locks = await locksIn(config.memoryDir);
      if (name !== undefined && !locks.has(name))
        throw new UsageError(`no lock named "${name}" in ${config.memoryDir} (locks: ${[...locks.keys()].join(', ') || 'none'})`);
      if (!locks.size) return void out(`No locks in ${config.memoryDir}.`);
      for (const [lockName, file] of locks) {
        if (name !== undefined && lockName !== name) continue;
        const holder = await readLockInfo(file);
        if (holder === 'gone') continue;
        const who = holder ? describeHolder(holder) : 'an unreadable holder';
        const reason = staleReason(holder);
        // Alive on this very host (its PID runs with the start time it recorded): --force never applies, whatever it says.
        if (reason === null && holder && holder.host === os.hostname()) {
          const stop = `running on this host as PID ${holder.pid}: stop it first (--force breaks only a lock whose holder is on another host)`;
          if (name !== undefined) throw new UsageError(`${lockName} is held by ${safeText(who, true)}, ${stop}`);
          out(`kept     ${lockName}: held by ${safeText(who, true)} (${stop})`);
          continue;
        }
        if (reason === null && !(opts.force && name !== undefined)) {
          const how = name === undefined ? `\`jupiter unlock ${lockName} --force\`` : 'pass --force';
          if (name !== undefined)
            throw new UsageError(`${lockName} is held by ${safeText(who, true)}, which may still be running: stop it first, or if it is gone, ${how}`);
          out(`kept     ${lockName}: held by ${safeText(who, true)} (may be running; if it is gone: ${how})`);
          continue;
        }
        await rm(file, { force: true });
        out(`unlocked ${lockName}: was held by ${safeText(who, true)} (${reason ?? 'forced'})`);
      }
    }),
  );
}
