// Crash torture: runs the real CLI against a local fake model, kills it at random moments (SIGKILL, and SIGTERM and
// SIGHUP, which it must answer by stopping cleanly), checks memory invariants; then fills the disk under a run.
import { repoRoot } from './root.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { FILES } from '../src/memory/store.js';
import { SessionStore } from '../src/engine/sessions.js';
import { modelFlags, startFakeOpenAI, type ContentReply } from './fake-openai.js';
import { checkMemory, type CheckOptions } from './invariants.js';
import { damagePhase, type DamageResult } from './damage.js';

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
  /** Run the full-disk phase (needs root to mount a small tmpfs; reported as skipped otherwise). Default true. */
  fullDisk?: boolean;
  /** Size of that tmpfs in KB (default 320: about 300 iterations before it fills; smaller fills sooner). */
  diskKb?: number;
  /** Run the damage phase (segments deleted, cut short, copied; line endings rewritten). Default true. */
  damage?: boolean;
}

export interface FullDiskResult {
  /** Why it did not run (no tmpfs could be mounted); absent when it ran. */
  skipped?: string;
  /** Iterations committed before the disk filled, and the message the run ended with. */
  before?: number;
  message?: string;
  /** Iterations in the folder after space came back and every session was resumed to the end. */
  after?: number;
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
  /** Kills by signal, and how many SIGTERM/SIGHUP kills jupiter answered itself (saved, unlocked, exit 143/129). */
  bySignal: Record<string, number>;
  graceful: number;
  /** The full-disk phase: what happened, or why it did not run. */
  fullDisk?: FullDiskResult;
  /** The damage phase: what each damage led to. */
  damage?: DamageResult;
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

type StopSignal = 'SIGKILL' | 'SIGTERM' | 'SIGHUP';
type Kill =
  | (({ kind: 'timer'; ms: number } | { kind: 'event'; name: (typeof EVENTS)[number]; nth: number; delayMs: number }) & { signal: StopSignal })
  | { kind: 'none' };

interface RunOutcome {
  killed: boolean;
  /** It answered a SIGTERM or SIGHUP itself (exit 143 or 129) rather than dying of it (before its handlers were set). */
  graceful: boolean;
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
      child.kill(kill.kind === 'none' ? 'SIGKILL' : kill.signal);
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
      const graceful = sent && (code === 143 || code === 129);
      resolve({ killed: sent && (signal !== null || graceful), graceful, code, stderr, events, ...(startupMs !== undefined ? { startupMs } : {}) });
    });
  });
}

/**
 * Timer kills fall anywhere from spawn to 150 ms after the session started: the CLI spends its first few hundred ms
 * loading, opening (and repairing) memory and locking the session, and a plain 0–150 ms would only ever hit module loading.
 */
/** Most kills are SIGKILL (nothing runs after it); a fifth each are SIGTERM and SIGHUP, which jupiter answers. In turn, not
 * by chance, so every run of three kills or more has each kind whatever the timing. */
const ROTATION: readonly StopSignal[] = ['SIGKILL', 'SIGTERM', 'SIGHUP', 'SIGKILL', 'SIGKILL'];

function planKill(rand: () => number, startupMs: number, kills: number): Kill {
  const signal = ROTATION[kills % ROTATION.length]!;
  if (rand() < 0.3) return { kind: 'timer', ms: Math.floor(rand() * (startupMs + 151)), signal };
  const name = EVENTS[Math.floor(rand() * EVENTS.length)]!;
  const nth = 1 + Math.floor(rand() * (name === 'planner-progress' ? 40 : 3));
  // A commit (plan file, log append, index, derived files, session save) takes tens of ms after `validated`:
  // delays up to 60 ms spread the kills across it.
  return { kind: 'event', name, nth, delayMs: rand() < 0.4 ? 0 : Math.floor(rand() * 61), signal };
}

const describeKill = (k: Kill) =>
  k.kind === 'timer'
    ? `${k.signal} ${k.ms}ms after start`
    : k.kind === 'event'
      ? `${k.signal} after ${k.name} #${k.nth}${k.delayMs ? ` +${k.delayMs}ms` : ''}`
      : 'no kill';

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
  const result: TortureResult = {
    kills: 0,
    sessions: 0,
    iterations: 0,
    runs: 0,
    halts: 0,
    landed: {},
    bySignal: {},
    graceful: 0,
    problems: [],
    wallMs: 0,
    memory,
    seed,
  };
  let goals = 0;
  let startup = 500;
  const common = ['--memory', memory];
  const nextArgs = async (): Promise<string[]> => {
    const resumable = (await store.list()).sessions.filter((s) => s.status !== 'completed');
    if (resumable.length) return ['resume', '--unattended', ...common];
    const goal = goals++ === 0 ? 'Deploy the orchestrator' : `Deploy the orchestrator v${goals}`;
    // --patience 0: the model repeats its plan, and every session must still run all its iterations.
    return [
      'plan',
      goal,
      ...modelFlags(server.url),
      '--unattended',
      '--patience',
      '0',
      '-n',
      String(perSession),
      '-c',
      String(Math.min(5, perSession)),
      ...common,
    ];
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
      const kill = planKill(rand, startup, result.kills);
      const r = await runOnce(args, cwd, kill);
      result.runs++;
      if (r.startupMs !== undefined) startup = Math.round(0.8 * startup + 0.2 * r.startupMs);
      if (r.killed) {
        result.kills++;
        if (kill.kind !== 'none') result.bySignal[kill.signal] = (result.bySignal[kill.signal] ?? 0) + 1;
        // A signal jupiter answered leaves nothing to repair: the strict check. One that came before its handlers
        // were set (module loading) killed it like SIGKILL does.
        if (r.graceful) result.graceful++;
        await check(
          `after kill ${result.kills} (${args[0]}, ${describeKill(kill)}${r.graceful ? `, answered: exit ${r.code}` : ''})`,
          r.graceful ? {} : { afterCrash: true },
        );
        if (result.kills % 10 === 0 || result.kills === target)
          log(
            `torture: ${result.kills}/${target} kills · ${result.sessions} sessions · ${result.iterations} iterations · ${((Date.now() - started) / 1000).toFixed(1)}s`,
          );
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
    if (!result.problems.length && opts.damage !== false) {
      const killedAfter = (args: string[], at: string, n?: number) =>
        runOnce(args, at, n ? { kind: 'event', name: 'iteration-finished', nth: n, delayMs: 0, signal: 'SIGKILL' } : { kind: 'none' });
      result.damage = await damagePhase(server.url, killedAfter, result.problems, log);
    }
    if (!result.problems.length && opts.fullDisk !== false) {
      result.fullDisk = await fullDiskPhase(server.url, { perSession, kb: opts.diskKb ?? 320 }, result.problems, log);
    }
  } finally {
    await server.close();
    result.wallMs = Date.now() - started;
  }
  return result;
}

/**
 * Fills the disk under a run: a fresh memory folder on a small tmpfs, a run until the disk is full (it must end with
 * one line naming the folder, exit 1), a resume while still full (the same), then space comes back and every
 * session is resumed to its end: nothing committed is lost, nothing is repeated, every invariant holds.
 */
async function fullDiskPhase(
  baseUrl: string,
  { perSession, kb }: { perSession: number; kb: number },
  problems: string[],
  log: (line: string) => void,
): Promise<FullDiskResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jupiter-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `cannot mount a small tmpfs (${(mounted.stderr || mounted.error?.message || 'mount failed').trim()}); run as root to include it` };
  }
  const memory = path.join(dir, 'memory');
  const common = ['--memory', memory];
  const out: FullDiskResult = {};
  const fail = (what: string) => problems.push(`full disk: ${what}`);
  const check = async (what: string, o: CheckOptions) => {
    const r = await checkMemory(memory, o);
    if (!r.ok) r.problems.forEach((p) => fail(`${what}: ${p}`));
    return r;
  };
  const FULL = /^jupiter: cannot write in \S+: no space left on the device \(ENOSPC\)/m;
  try {
    log(`torture: full disk: a run on a ${kb} KB tmpfs until it fills`);
    const run = await runOnce(
      ['plan', 'Deploy the orchestrator to a small disk', ...modelFlags(baseUrl), '--unattended', '--patience', '0', '-n', '100000', '-c', '0', ...common],
      dir,
      { kind: 'none' },
    );
    if (run.code !== 1 || !FULL.test(run.stderr)) {
      fail(`the run ended with exit ${run.code}, not the full-disk message: ${run.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      return out;
    }
    out.message = FULL.exec(run.stderr)![0];
    out.before = (await check('after the disk filled', { afterCrash: true })).iterations;
    const again = await runOnce(['resume', '--unattended', ...common], dir, { kind: 'none' });
    if (again.code !== 1 || !FULL.test(again.stderr))
      fail(`a resume on the full disk ended with exit ${again.code}: ${again.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    await check('after a resume on the full disk', { afterCrash: true });
    // Space comes back; the session has far more iterations left than anyone waits for: cap it and finish it.
    if (spawnSync('mount', ['-o', 'remount,size=64m', dir]).status !== 0) {
      fail('could not give the tmpfs more space');
      return out;
    }
    const store = new SessionStore(path.join(memory, FILES.sessions));
    for (const s of (await store.list()).sessions) {
      const file = store.file(s.id);
      const state = parse(readFileSync(file, 'utf8')) as { settings: { iterations: number }; progress: { completed: number } };
      // The session file may be behind the log (it is saved lazily): count from what the log committed.
      const done = Math.max(state.progress.completed, out.before ?? 0);
      state.settings.iterations = Math.min(state.settings.iterations, done + perSession);
      writeFileSync(file, JSON.stringify(state, null, 2));
    }
    for (let i = 0; i < 20; i++) {
      const open = (await store.list()).sessions.filter((s) => s.status !== 'completed');
      if (!open.length) break;
      const r = await runOnce(['resume', open[0]!.id, '--unattended', ...common], dir, { kind: 'none' });
      if (r.code !== 0) {
        fail(`resume after space came back exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
        return out;
      }
    }
    out.after = (await check('after space came back', { requireCompleted: true })).iterations;
    if (out.after <= (out.before ?? 0)) fail(`no iteration after space came back (${out.before} before, ${out.after} after)`);
    log(`torture: full disk: ${out.before} iterations committed before ENOSPC, ${out.after} after space came back; invariants hold`);
    return out;
  } finally {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
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
  const [kills, iterations, seed, memory, diskKb] = [num('--kills'), num('--iterations', 1), num('--seed'), flag(argv, '--memory'), num('--disk-kb', 64)];
  if (kills !== undefined) opts.kills = kills;
  if (diskKb !== undefined) opts.diskKb = diskKb;
  if (iterations !== undefined) opts.iterations = iterations;
  if (seed !== undefined) opts.seed = seed;
  if (memory !== undefined) opts.memory = memory;
  if (argv.includes('--no-full-disk')) opts.fullDisk = false;
  if (argv.includes('--no-damage')) opts.damage = false;
  const r = await runTorture(opts);
  const secs = (r.wallMs / 1000).toFixed(1);
  const landed =
    Object.entries(r.landed)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  console.log(`torture: ${r.runs} runs, ${r.halts} halts resumed; kills that left crash state to repair: ${landed}; ${secs}s`);
  const signals = Object.entries(r.bySignal)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  console.log(`torture: kills by signal: ${signals || 'none'}; SIGTERM/SIGHUP answered with a clean stop: ${r.graceful}`);
  const d = r.fullDisk;
  if (d)
    console.log(
      d.skipped
        ? `torture: full-disk phase skipped: ${d.skipped}`
        : `torture: full disk: ${d.before ?? '?'} iterations before ENOSPC ("${d.message ?? ''}"), ${d.after ?? '?'} after space came back`,
    );
  if (r.damage)
    console.log(
      `torture: damage: ${Object.entries(r.damage.cases)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')}`,
    );
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
