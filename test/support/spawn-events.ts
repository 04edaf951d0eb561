// Spawns the real CLI with --json and lets a test act when a given event arrives (no sleeping).
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, cleanEnv } from './cli.js';

export interface Running {
  child: ChildProcess;
  events: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the first event matching `pred` (rejects if the process exits first). */
  waitFor: (pred: (e: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnJson(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Running {
  const child = spawn(process.execPath, [BIN, ...args, '--json'], { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Record<string, unknown>[] = [];
  const waiters: { pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void; reject: (err: Error) => void }[] = [];
  let buffer = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.trim()) continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      for (const w of [...waiters]) {
        if (!w.pred(e)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`process exited (${code ?? signal}) before the awaited event; stderr: ${err}`));
      resolve({ code, signal });
    }),
  );
  const waitFor = (pred: (e: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const hit = events.find(pred);
      if (hit) return resolve(hit);
      waiters.push({ pred, resolve, reject });
    });
  return { child, events, stderr: () => err, waitFor, exited };
}
