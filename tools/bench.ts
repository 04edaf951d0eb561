// `npm run bench`: jupiter measured from outside, as a person meets it: real CLI processes on synthetic histories of
// 1,000 / 10,000 / 100,000 iterations (built through the real commit path), medians and p90s, targets checked.
// Each row group is one function returning rows: add a group by writing a function and listing it in main().
import { repoRoot } from './root.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SessionStore } from '../src/engine/sessions.js';
import type { Plan } from '../src/core/plan.js';
import { FILES, Memory } from '../src/memory/store.js';
import { planId } from '../src/procedures/quality.js';
import { scheduleKey } from '../src/procedures/schedule.js';
import { validatePlan } from '../src/procedures/validate.js';
import { planFromActions, searchPlan } from '../src/planners/search.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import type { PlanTarget } from '../src/procedures/types.js';
import { modelFlags, startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { rng, synthesize } from './synthetic.js';

const ROOT = repoRoot(import.meta.url);
const BIN = path.join(ROOT, 'bin', 'jupiter.js');
const SHIPPED = path.join(ROOT, 'procedures');
const GOAL = 'Deploy the orchestrator';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export interface Row {
  group: string;
  metric: string;
  median: number;
  p90?: number;
  unit: string;
  /** The median must be below this. */
  target?: number;
  note?: string;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
};
const median = (xs: number[]) => quantile(xs, 0.5);

interface Timed {
  /** Spawn to exit, ms. */
  wallMs: number;
  /** Spawn to the first `iteration-started` event (with --json), ms. */
  firstIterationMs?: number;
  rssMb: number;
  /** User + system CPU seconds of the process (all its threads), from /usr/bin/time. */
  cpuS: number;
  code: number | null;
  /** The iteration-started and iteration-finished events, by type only. */
  events: { type?: string }[];
  stderr: string;
}

const ITERATION_EVENT = /"type":"iteration-(?:started|finished)"/;

/** Runs the real CLI as a child process; times it from outside and reads its peak RSS from /usr/bin/time. */
function timed(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  const [cmd, argv] = TIME ? [TIME, ['-f', 'RSS=%M CPU=%U+%S', process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first: number | undefined;
    let out = '';
    let err = '';
    const events: Timed['events'] = [];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        // Only the events the rows count are parsed and kept: the harness shares the machine (and the fake server's
        // process) with the run it measures, so it does as little as it can per event.
        if (!line.startsWith('{') || !ITERATION_EVENT.test(line)) continue;
        try {
          const e = JSON.parse(line) as Timed['events'][number];
          if (e.type === 'iteration-started' && first === undefined) first = performance.now() - t0;
          events.push({ type: e.type });
        } catch {
          // Not an event line.
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /RSS=(\d+)/.exec(err);
      const cpu = /CPU=([\d.]+)\+([\d.]+)/.exec(err);
      resolve({
        wallMs: performance.now() - t0,
        ...(first !== undefined ? { firstIterationMs: first } : {}),
        rssMb: rss ? Number(rss[1]) / 1024 : NaN,
        cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN,
        code,
        events,
        stderr: err.replace(/RSS=\d+ CPU=\S+\n?/, ''),
      });
    });
  });
}

function folderBytes(dir: string): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    bytes += e.isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return bytes;
}

function fail(what: string, r: Timed): never {
  throw new Error(`${what} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
}

/** Valid and invalid variants of the deploy plan, so a fake model's answers (and so the prompts) vary. */
function planVariants(target: PlanTarget): string[] {
  const found = searchPlan(target);
  if (!found.found) throw new Error(found.reason);
  const plan = planFromActions(target, found.actions, 'bench');
  const out = [plan];
  for (let i = 1; i + 2 < plan.steps.length; i += 2) {
    const steps = [...plan.steps];
    [steps[i], steps[i + 1]] = [steps[i + 1]!, steps[i]!];
    out.push({ ...plan, title: `${plan.title} (variant ${i})`, steps });
  }
  out.push({ ...plan, title: `${plan.title} (short)`, steps: plan.steps.filter((_, i) => i !== 2) });
  return out.map((p) => JSON.stringify(p));
}

/**
 * The first valid variant no one rejected in the history (the synthetic history rejects plans at random): a long run
 * answered with a rejected plan has no champion at the end, and a run with no valid plan exits non-zero.
 */
async function unrejectedVariant(dir: string, target: PlanTarget): Promise<string> {
  const memory = await Memory.open(dir, { create: false });
  const rejected = new Set((await memory.goalRejections({ procedure: target.set.id, goalId: target.goal.id })).flatMap((r) => [r.planId, r.key ?? '']));
  await memory.close();
  const fresh = planVariants(target).find((text) => {
    const plan = JSON.parse(text) as Plan;
    return validatePlan(plan, target).valid && !rejected.has(planId(plan)) && !rejected.has(scheduleKey(plan, target));
  });
  if (!fresh) throw new Error('bench: every valid plan variant was rejected in the synthetic history');
  return fresh;
}

/**
 * The local fake model; `chunkChars` is how its answers stream (16 characters per chunk unless told). It keeps the
 * requests only when a row reads them (`record`): it serves from the bench's own process.
 */
async function withServer<T>(
  answers: string[],
  seed: number,
  fn: (server: FakeOpenAI) => Promise<T>,
  opts: { chunkChars?: number; record?: boolean } = {},
): Promise<T> {
  const r = rng(seed);
  const server = await startFakeOpenAI(
    () => ({
      content: answers[Math.floor(r() * answers.length)]!,
      usage: { prompt_tokens: 2000, completion_tokens: 400, cached_tokens: 1500 },
      ...(opts.chunkChars ? { chunkChars: opts.chunkChars } : {}),
    }),
    { record: opts.record ?? false },
  );
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

/** An unattended `plan` of `iterations` with --json events, never ending early for patience or failures. */
const longRun = (iterations: number, dir: string, ...extra: string[]) => [
  'plan',
  GOAL,
  '-n',
  String(iterations),
  '-c',
  '0',
  '--patience',
  '0',
  '--max-failures',
  String(iterations),
  '--unattended',
  '--json',
  '--procedures',
  SHIPPED,
  '--memory',
  dir,
  ...extra,
];
const modelArgs = (server: FakeOpenAI) => modelFlags(server.url, 'bench-model');
const MODEL_ENV = { JUPITER_API_KEY: 'sk-bench-0000' };

/** A resumable session one iteration short of its end, so `resume` runs one iteration and exits. */
async function prepareResume(dir: string, id: string): Promise<void> {
  const store = new SessionStore(path.join(dir, FILES.sessions));
  const state = await store.load(id);
  state.status = 'interrupted';
  // A previous repetition may have proved the optimum: start each one as an unfinished run.
  delete state.converged;
  delete state.pendingDecision;
  state.settings = { ...state.settings, iterations: state.progress.completed + 1, checkpoint: 0, proceduresDir: SHIPPED, provider: 'builtin', patience: 0 };
  await store.save(state);
}

/** summary, sessions, and launch-to-first-iteration of plan and resume on a history of `size` iterations. */
async function historyRows(size: number, dir: string, lastSession: string, reps: number): Promise<Row[]> {
  const group = `${size.toLocaleString('en-US')} iterations of history`;
  const rows: Row[] = [];
  const cmd = async (metric: string, args: string[], target: number) => {
    const runs: Timed[] = [];
    for (let i = 0; i < reps; i++) {
      const r = await timed(args);
      if (r.code !== 0) fail(metric, r);
      runs.push(r);
    }
    rows.push({
      group,
      metric,
      median: median(runs.map((r) => r.wallMs)),
      p90: quantile(
        runs.map((r) => r.wallMs),
        0.9,
      ),
      unit: 'ms',
      target,
      note: `peak RSS ${Math.max(...runs.map((r) => r.rssMb)).toFixed(0)} MB`,
    });
  };
  await cmd('`summary` (launch to exit)', ['summary', '--memory', dir], 300);
  await cmd('`sessions` (launch to exit)', ['sessions', '--memory', dir], 300);
  const first = async (metric: string, run: () => Promise<Timed>) => {
    const xs: number[] = [];
    for (let i = 0; i < reps; i++) {
      const r = await run();
      if (r.firstIterationMs === undefined) fail(metric, r);
      xs.push(r.firstIterationMs);
    }
    rows.push({ group, metric, median: median(xs), p90: quantile(xs, 0.9), unit: 'ms', target: 300 });
  };
  await first('`plan` launch to first iteration', () =>
    timed(['plan', GOAL, '-n', '1', '-c', '0', '--unattended', '--json', '--procedures', SHIPPED, '--memory', dir]),
  );
  await first('`resume` launch to first iteration', async () => {
    await prepareResume(dir, lastSession);
    return timed(['resume', lastSession, '--unattended', '--json', '--memory', dir]);
  });
  return rows;
}

/**
 * Long unattended runs on top of the history: wall and CPU per iteration (start-up included, median and p90 of `reps`
 * runs) and bytes on disk per iteration.
 */
async function runRows(size: number, dir: string, target: PlanTarget, iterations: number, reps: number): Promise<Row[]> {
  const group = `${size.toLocaleString('en-US')} iterations of history`;
  // The built-in planner proves its optimum within a few iterations and ends the run there (the count is a
  // ceiling): a long run needs a planner that keeps answering, so these talk to the local fake model. Each of its
  // iterations also pays an HTTP round trip and a streamed answer the built-in path does not.
  const rows: Row[] = [];
  // Two fake models: one streams its answer the way servers do (a chunk per few tokens: ~145 chunks a plan, each an
  // HTTP read and an SSE event to parse), one sends it in one piece (what is left is jupiter's loop, one HTTP round
  // trip and the log's fsync: the nearest a run gets to the built-in path's cost without ending at its optimum).
  for (const [chunkChars, how] of [
    [16, 'answer streamed in 16-character chunks'],
    [1_000_000, 'answer in one piece'],
  ] as const) {
    await withServer(
      [await unrejectedVariant(dir, target)],
      1,
      async (server) => {
        const perIteration: number[] = [];
        const cpu: number[] = [];
        const disk: number[] = [];
        let done = 0;
        for (let i = 0; i < reps; i++) {
          const before = folderBytes(dir);
          const r = await timed(longRun(iterations, dir, ...modelArgs(server)), MODEL_ENV);
          if (r.code !== 0) fail('long run', r);
          done = r.events.filter((e) => e.type === 'iteration-finished').length;
          perIteration.push(r.wallMs / done);
          cpu.push((r.cpuS * 1000) / done);
          disk.push((folderBytes(dir) - before) / done);
        }
        rows.push(
          {
            group,
            metric: `${done}-iteration unattended run, wall per iteration (start-up included), ${how}`,
            median: median(perIteration),
            p90: quantile(perIteration, 0.9),
            unit: 'ms',
            target: 3,
            note: `model path, local fake server; ${reps} runs; CPU ${median(cpu).toFixed(2)} ms per iteration (user + system, all threads)`,
          },
          {
            group,
            metric: `the same runs: disk per iteration (folder growth / iterations)`,
            median: median(disk),
            p90: quantile(disk, 0.9),
            unit: 'B',
            target: 1024,
          },
        );
      },
      { chunkChars },
    );
  }
  const b = await timed(longRun(iterations, dir));
  if (b.code !== 0) fail('built-in run', b);
  const done = b.events.filter((e) => e.type === 'iteration-finished').length;
  rows.push({
    group,
    metric: `built-in run to its proved optimum (${done} iterations): wall per iteration`,
    median: b.wallMs / Math.max(1, done),
    unit: 'ms',
    note: 'start-up dominates: the run ends when the optimum is proved',
  });
  return rows;
}

/** Peak RSS of a long model-path run with varied answers. */
async function rssRows(dir: string, target: PlanTarget, iterations: number): Promise<Row[]> {
  return withServer(planVariants(target), 2, async (server) => {
    const r = await timed(longRun(iterations, dir, ...modelArgs(server)), MODEL_ENV);
    if (r.code !== 0 && r.code !== 3) fail('rss run', r);
    const done = r.events.filter((e) => e.type === 'iteration-finished').length;
    return [{ group: 'model path', metric: `peak RSS of a ${done}-iteration run (varied answers)`, median: r.rssMb, unit: 'MB', target: 150 }];
  });
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** What the prompts cost with a varied-answer model, against the original design pasting all memory (~400 characters learned per iteration). */
async function promptRows(dir: string, target: PlanTarget, iterations: number): Promise<Row[]> {
  return withServer(
    planVariants(target),
    3,
    async (server) => {
      const r = await timed(longRun(iterations, dir, ...modelArgs(server)), MODEL_ENV);
      if (r.code !== 0 && r.code !== 3) fail('prompt run', r);
      const prompts = server
        .chatRequests()
        .map((q) => (q.body.messages ?? []).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n'));
      const shares = prompts.slice(1).map((p, i) => commonPrefix(prompts[i]!, p) / p.length);
      const total = prompts.reduce((n, p) => n + p.length, 0);
      // The original design: its fixed prompt plus everything learned so far, ~400 characters per past iteration.
      const base = prompts[0]?.length ?? 0;
      const pasteAll = prompts.reduce((n, _, i) => n + base + 400 * i, 0);
      const group = `prompts over ${prompts.length} model calls (varied answers)`;
      return [
        {
          group,
          metric: 'unchanged prefix share of each prompt vs the previous one',
          median: median(shares) * 100,
          p90: quantile(shares, 0.1) * 100,
          unit: '%',
          note: 'p90 column: the 10th percentile (worst tenth)',
        },
        { group, metric: 'total prompt characters', median: total, unit: 'chars' },
        {
          group,
          metric: 'paste-all (original design, +400 chars learned per iteration)',
          median: pasteAll,
          unit: 'chars',
          note: `${(pasteAll / Math.max(1, total)).toFixed(1)}x jupiter's; its last prompt ${(base + 400 * (prompts.length - 1)).toLocaleString('en-US')} chars`,
        },
      ];
    },
    { record: true },
  );
}

function printTable(rows: Row[]): void {
  const fmt = (n: number | undefined, unit: string) =>
    n === undefined || Number.isNaN(n)
      ? '–'
      : unit === 'chars' || unit === 'B'
        ? Math.round(n).toLocaleString('en-US')
        : n >= 100
          ? n.toFixed(0)
          : n.toFixed(n >= 10 ? 1 : 2);
  const header = ['group', 'metric', 'median', 'p90', 'unit', 'target', 'verdict', 'note'];
  const lines = rows.map((r) => [
    r.group,
    r.metric,
    fmt(r.median, r.unit),
    fmt(r.p90, r.unit),
    r.unit,
    r.target === undefined ? '' : `< ${r.target}`,
    r.target === undefined ? '' : r.median < r.target ? 'met' : 'MISSED',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  console.log(row(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(row(l));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const only = argv.find((a) => a.startsWith('--sizes='));
  const sizes = only ? only.slice(8).split(',').map(Number) : quick ? [1000] : [1000, 10_000, 100_000];
  const reps = quick ? 3 : 7;
  const runIterations = quick ? 300 : 2000;
  const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
  const library = loadProcedures(SHIPPED);
  const load = () =>
    os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  const loadBefore = load();
  const rows: Row[] = [];
  const temps: string[] = [];
  const temp = (name: string) => {
    const d = mkdtempSync(path.join(os.tmpdir(), `jupiter-bench-${name}-`));
    temps.push(d);
    return d;
  };
  try {
    for (const size of sizes) {
      const dir = path.join(temp(String(size)), 'memory');
      process.stderr.write(`bench: building ${size} iterations of history through the commit path…\n`);
      const t = performance.now();
      const { lastSession } = await synthesize(dir, library, size);
      const logBytes = readdirSync(dir)
        .filter((f) => /^execution_log(\.\d+)?\.md$/.test(f))
        .reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
      // Not a target row: the issue's disk target is the growth of a run (below). This is the history as built,
      // fixed costs included (each distinct plan's file, each session's file, caches), spread over `size` iterations.
      rows.push({
        group: `${size.toLocaleString('en-US')} iterations of history`,
        metric: 'synthetic history on disk per iteration (whole folder / iterations)',
        median: folderBytes(dir) / size,
        unit: 'B',
        note: `the log alone ${Math.round(logBytes / size)} B; ${readdirSync(path.join(dir, FILES.plans)).length} plan files; built in ${((performance.now() - t) / 1000).toFixed(0)} s (model-like records: usage, cost, 25% failures, reviews)`,
      });
      process.stderr.write(`bench: ${size}: summary, sessions, plan and resume…\n`);
      rows.push(...(await historyRows(size, dir, lastSession, reps)));
      process.stderr.write(`bench: ${size}: a ${runIterations}-iteration run…\n`);
      rows.push(...(await runRows(size, dir, target, runIterations, quick ? 1 : 3)));
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
    process.stderr.write('bench: prompts with a varied-answer model…\n');
    rows.push(...(await promptRows(path.join(temp('prompts'), 'memory'), target, quick ? 60 : 200)));
    process.stderr.write(`bench: peak RSS of a ${quick ? 1000 : 10_000}-iteration model-path run…\n`);
    rows.push(...(await rssRows(path.join(temp('rss'), 'memory'), target, quick ? 1000 : 10_000)));
  } finally {
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  }
  const machine = { cores: os.cpus().length, node: process.version, loadBefore, loadAfter: load() };
  printTable(rows);
  console.log(
    `\nmachine: ${machine.cores} cores, node ${machine.node}; load average (1/5/15 min) ${machine.loadBefore} before, ${machine.loadAfter} after; ${reps} runs per command (median, p90); times from outside the process`,
  );
  const missed = rows.filter((r) => r.target !== undefined && !(r.median < r.target));
  console.log(missed.length ? `targets MISSED: ${missed.map((r) => `${r.group}: ${r.metric}`).join('; ')}` : 'every target met');
  if (json) console.log(JSON.stringify({ machine, rows }));
}

await main();
