// Crash torture: runs the real CLI against a local fake model, SIGKILLs it at random moments, checks memory invariants.
import { repoRoot } from './root.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { FILES } from '../src/memory/store.js';
import { SessionStore } from '../src/engine/sessions.js';
import { startFakeOpenAI, type ContentReply } from './fake-openai.js';
import { checkMemory, type CheckOptions } from './invariants.js';

const ROOT = repoRoot(import.meta.url);
const BIN = path.join(ROOT, 'bin', 'jupiter.js');
const KEY = 'sk-torture-0000';
const EVENTS = ['plan-proposed', 'validated', 'iteration-finished', 'recalled', 'planner-progress'] as const;

export interface TortureOptions {
  kills?: number;
  /** Iterations per session. */
  iterations?: number;
  seed?: number;
  /** Memory folder (default: a fresh temp dir). */
  memory?: string;
  /** Share of model replies that miss a required step (the iteration fails validation; exit 3). */
  invalidRate?: number;
  log?: (line: string) => void;
}

export interface TortureResult {
  kills: number;
  sessions: number;
  iterations: number;
  runs: number;
  /** Runs that halted for review (exit 3) and were answered with a resume. */
  halts: number;
  /** How many kills left each tolerated crash state (e.g. `session-behind`: killed between log commit and session save). */
  landed: Record<string, number>;
  problems: string[];
  wallMs: number;
  memory: string;
  seed: number;
}

/** mulberry32: small, seeded, good enough to pick kill points reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kill = { kind: 'timer'; ms: number } | { kind: 'event'; name: (typeof EVENTS)[number]; nth: number; delayMs: number } | { kind: 'none' };

interface RunOutcome {
  killed: boolean;
  code: number | null;
  stderr: string;
  events: number;
  /** Milliseconds from spawn to the `session-started` event, when it came. */
  startupMs?: number;
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(JUPITER_|OPENAI_|FIREWORKS_|FORCE_COLOR)/.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', JUPITER_API_KEY: KEY, JUPITER_BACKOFF_MS: '20' };
}

/** Runs the CLI once with --json; kills it with SIGKILL at the planned moment (if it is still running then). */
function runOnce(args: string[], cwd: string, kill: Kill): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--json'], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buffer = '';
    let events = 0;
    let seen = 0;
    let sent = false;
    let startupMs: number | undefined;
    const t0 = Date.now();
    const fire = () => {
      if (sent || child.exitCode !== null || child.signalCode !== null) return;
      sent = true;
      child.kill('SIGKILL');
    };
    const timer = kill.kind === 'timer' ? setTimeout(fire, kill.ms) : undefined;
    // A hung child is a finding too: never wait forever.
    const guard = setTimeout(fire, 120_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let e: { type?: string };
        try {
          e = JSON.parse(line) as { type?: string };
        } catch {
          continue;
        }
        events++;
        if (e.type === 'session-started') startupMs = Date.now() - t0;
        if (kill.kind === 'event' && e.type === kill.name && ++seen === kill.nth) {
          if (kill.delayMs > 0) setTimeout(fire, kill.delayMs);
          else fire();
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ killed: sent && signal === 'SIGKILL', code, stderr, events, ...(startupMs !== undefined ? { startupMs } : {}) });
    });
  });
}

/**
 * Timer kills fall anywhere from spawn to 150 ms after the session started: the CLI spends its first few hundred ms
 * loading, opening (and repairing) memory and locking the session, and a plain 0–150 ms would only ever hit module loading.
 */
function planKill(rand: () => number, startupMs: number): Kill {
  if (rand() < 0.3) return { kind: 'timer', ms: Math.floor(rand() * (startupMs + 151)) };
  const name = EVENTS[Math.floor(rand() * EVENTS.length)]!;
  const nth = 1 + Math.floor(rand() * (name === 'planner-progress' ? 40 : 3));
  // A commit (plan file, log append, index, derived files, session save) takes tens of ms after `validated`:
  // delays up to 60 ms spread the kills across it.
  return { kind: 'event', name, nth, delayMs: rand() < 0.4 ? 0 : Math.floor(rand() * 61) };
}

const describeKill = (k: Kill) => (k.kind === 'timer' ? `${k.ms}ms after start` : k.kind === 'event' ? `after ${k.name} #${k.nth}${k.delayMs ? ` +${k.delayMs}ms` : ''}` : 'no kill');

function planJson(): { valid: string; invalid: string } {
  const plan = parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')) as { steps: { action: string }[] };
  return { valid: JSON.stringify(plan), invalid: JSON.stringify({ ...plan, steps: plan.steps.filter((s) => s.action !== 'run-tests') }) };
}

export async function runTorture(opts: TortureOptions = {}): Promise<TortureResult> {
  const started = Date.now();
  const target = opts.kills ?? 200;
  const perSession = opts.iterations ?? 30;
  const seed = (opts.seed ?? Date.now()) >>> 0;
  const log = opts.log ?? ((l: string) => console.log(l));
  const memory = path.resolve(opts.memory ?? mkdtempSync(path.join(os.tmpdir(), 'jupiter-torture-')));
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'run.js'))) throw new Error('dist is not built: run `npx tsc -p tsconfig.json` first');
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'jupiter-torture-cwd-'));
  const rand = prng(seed);
  const replyRand = prng(seed ^ 0x9e3779b9);
  const plans = planJson();
  const invalidRate = opts.invalidRate ?? 0.08;
  const server = await startFakeOpenAI((): ContentReply => {
    const prompt = 500 + Math.floor(replyRand() * 2500);
    return {
      content: replyRand() < invalidRate ? plans.invalid : plans.valid,
      usage: { prompt_tokens: prompt, completion_tokens: 200 + Math.floor(replyRand() * 600), cached_tokens: Math.floor(replyRand() * (prompt / 2)) },
      chunkDelayMs: 1 + Math.floor(replyRand() * 2),
      chunkChars: 24 + Math.floor(replyRand() * 24),
    };
  });
  const store = new SessionStore(path.join(memory, FILES.sessions));
  const result: TortureResult = { kills: 0, sessions: 0, iterations: 0, runs: 0, halts: 0, landed: {}, problems: [], wallMs: 0, memory, seed };
  let goals = 0;
  let startup = 500;
  const common = ['--memory', memory];
  const nextArgs = async (): Promise<string[]> => {
    const resumable = (await store.list()).sessions.filter((s) => s.status !== 'completed');
    if (resumable.length) return ['resume', '--unattended', ...common];
    const goal = goals++ === 0 ? 'Deploy the orchestrator' : `Deploy the orchestrator v${goals}`;
    return ['plan', goal, '--provider', 'custom', '--base-url', server.url, '--model', 'test-model', '--unattended', '--patience', '0', '-n', String(perSession), '-c', String(Math.min(5, perSession)), ...common];
  };
  const check = async (what: string, o: CheckOptions): Promise<boolean> => {
    const r = await checkMemory(memory, o);
    for (const t of r.tolerated) result.landed[t] = (result.landed[t] ?? 0) + 1;
    result.sessions = r.sessions;
    result.iterations = r.iterations;
    if (!r.ok) result.problems.push(...r.problems.map((p) => `${what}: ${p}`));
    return r.ok;
  };
  const unexpected = (args: string[], r: RunOutcome) => `${args[0]} exited ${r.code} (not killed): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;

  try {
    log(`torture: seed ${seed}, ${target} kills, ${perSession} iterations per session, memory ${memory}`);
    while (result.kills < target && !result.problems.length) {
      const args = await nextArgs();
      const kill = planKill(rand, startup);
      const r = await runOnce(args, cwd, kill);
      result.runs++;
      if (r.startupMs !== undefined) startup = Math.round(0.8 * startup + 0.2 * r.startupMs);
      if (r.killed) {
        result.kills++;
        await check(`after kill ${result.kills} (${args[0]}, ${describeKill(kill)})`, { afterCrash: true });
        if (result.kills % 10 === 0 || result.kills === target) log(`torture: ${result.kills}/${target} kills · ${result.sessions} sessions · ${result.iterations} iterations · ${((Date.now() - started) / 1000).toFixed(1)}s`);
      } else if (r.code === 3) {
        result.halts++;
        await check(`after a halt (${args[0]})`, {});
      } else if (r.code === 0) {
        await check(`after a clean exit (${args[0]})`, {});
      } else {
        result.problems.push(unexpected(args, r));
      }
    }
    // Finish every session without kills, then the strict check.
    for (let i = 0; !result.problems.length; i++) {
      const open = (await store.list()).sessions.filter((s) => s.status !== 'completed');
      if (!open.length) break;
      if (i >= 20 * open.length + 20) {
        result.problems.push(`sessions still unfinished after ${i} resumes: ${open.map((s) => s.id).join(', ')}`);
        break;
      }
      const args = ['resume', open[0]!.id, '--unattended', ...common];
      const r = await runOnce(args, cwd, { kind: 'none' });
      result.runs++;
      if (r.code === 3) result.halts++;
      else if (r.code !== 0) result.problems.push(unexpected(args, r));
    }
    if (!result.problems.length) await check('final', { requireCompleted: true });
  } finally {
    await server.close();
    result.wallMs = Date.now() - started;
  }
  return result;
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const num = (name: string, min = 0) => {
    const v = flag(argv, name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs a whole number of at least ${min}, got "${v}"`);
    return n;
  };
  const opts: TortureOptions = {};
  const [kills, iterations, seed, memory] = [num('--kills'), num('--iterations', 1), num('--seed'), flag(argv, '--memory')];
  if (kills !== undefined) opts.kills = kills;
  if (iterations !== undefined) opts.iterations = iterations;
  if (seed !== undefined) opts.seed = seed;
  if (memory !== undefined) opts.memory = memory;
  const r = await runTorture(opts);
  const secs = (r.wallMs / 1000).toFixed(1);
  const landed = Object.entries(r.landed).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  console.log(`torture: ${r.runs} runs, ${r.halts} halts resumed; kills that left crash state to repair: ${landed}; ${secs}s`);
  if (r.problems.length) {
    console.log(`torture: invariants FAILED after ${r.kills} kills (seed ${r.seed}, memory ${r.memory}):`);
    for (const p of r.problems.slice(0, 30)) console.log(`  - ${p}`);
    return 1;
  }
  console.log(`torture: survived ${r.kills} kills across ${r.sessions} sessions, ${r.iterations} iterations; invariants hold`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(`torture: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
