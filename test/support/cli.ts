// Runs the CLI the way a person or a script would: in this process through run(argv, io) (fast: most tests), or the
// real compiled bin as a child process (signals, terminals, concurrency).
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/run.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'jupiter.js');
export const SHIPPED = path.join(ROOT, 'procedures');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'jupiter-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Environment for the child: no provider or key leaking in from the machine, no colour. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(JUPITER_|OPENAI_|FIREWORKS_|FORCE_COLOR)/.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** runProcess only: SIGKILL the child after this long (default: never). */
  timeoutMs?: number;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** `jupiter <args>` in this process (streams, environment and folder injected): what it printed and its exit code. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const stdin = Readable.from([opts.input ?? '']);
  const code = await run(args, { stdout, stderr, stdin, env: cleanEnv(opts.env), cwd: opts.cwd ?? ROOT, signals: new EventEmitter() });
  stdout.end();
  stderr.end();
  await Promise.all([finished(stdout), finished(stderr)]);
  return { code, signal: null, stdout: out(), stderr: err() };
}

/** `jupiter <args>` as a child process of the compiled bin (needs `npm run build`). */
export function runProcess(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // No clock of its own: a slow machine makes the child slow, not wrong. A hung child is ended by the test's
    // timeout and the worker's exit; a test that wants a bound passes timeoutMs.
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Every file under `dir`, recursively (absolute paths, sorted). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .sort();
}
