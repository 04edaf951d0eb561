// `npm run bench`: jupiter's own overhead as memory grows (100, 1,000, 10,000 iterations), printed as a table of medians.
import { repoRoot } from './root.js';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { runSession } from '../src/engine/loop.js';
import { newSession } from '../src/engine/session.js';
import type { Reviewer, SessionState } from '../src/engine/types.js';
import { SessionStore } from '../src/engine/sessions.js';
import { FILES, Memory } from '../src/memory/store.js';
import { countTokens } from '../src/memory/tokens.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { buildPrompt } from '../src/planners/prompt.js';
import type { PlanRequest, PlanResponse, Planner } from '../src/planners/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import type { PlanTarget } from '../src/procedures/types.js';
import { synthesize } from './synthetic.js';
import OpenAI from 'openai';
import { DEFAULT_PRICES } from '../src/config.js';
import { OpenAIPlanner } from '../src/planners/openai/planner.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { benchScale } from './scale.js';

const ROOT = repoRoot(import.meta.url);
const BIN = path.join(ROOT, 'bin', 'jupiter.js');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const noReviewer: Reviewer = { checkpoint: async () => ({ kind: 'continue' }), failure: async () => ({ kind: 'stop' }), confirmReading: async () => ({ kind: 'note' }), patience: async () => ({ kind: 'stop' }) };

/** The built-in planner, timed, so its search can be subtracted: what is left is jupiter's overhead. */
class TimedPlanner implements Planner {
  readonly name = 'builtin';
  spent = 0;
  prompts: string[] = [];
  private inner = new BuiltinPlanner();
  constructor(private readonly capturePrompts = false) {}
  async propose(req: PlanRequest): Promise<PlanResponse> {
    const t = performance.now();
    const res = await this.inner.propose(req);
    this.spent += performance.now() - t;
    if (this.capturePrompts) {
      const p = buildPrompt(req);
      this.prompts.push(`${p.system}\n${p.user}`);
    }
    return res;
  }
}

async function engineRun(dir: string, target: PlanTarget, iterations: number, planner: TimedPlanner): Promise<number[]> {
  const memory = await Memory.open(dir);
  const store = new SessionStore(path.join(dir, FILES.sessions));
  const state = newSession(`bench-${Date.now()}`, 'Deploy the orchestrator', target, { iterations, checkpoint: 0, unattended: true, provider: 'builtin', contextBudget: 4000, proceduresDir: '', patience: 0, repairs: 0, maxFailures: 5, candidates: 1 }, new Date());
  const perIteration: number[] = [];
  let start = 0;
  let plannerAtStart = 0;
  await runSession(state, {
    planner, target, memory, store, reviewer: noReviewer, signal: new AbortController().signal,
    emit: (e) => {
      if (e.type === 'iteration-started') (start = performance.now()), (plannerAtStart = planner.spent);
      if (e.type === 'iteration-finished') perIteration.push(performance.now() - start - (planner.spent - plannerAtStart));
    },
  });
  return perIteration;
}

/** Wall time to the first byte of output, and the child's peak RSS (via /usr/bin/time when present). */
function timeCommand(args: string[]): Promise<{ firstOutputMs: number; rssMb: number }> {
  const useTime = (() => {
    try {
      return statSync('/usr/bin/time').isFile();
    } catch {
      return false;
    }
  })();
  const [cmd, argv] = useTime ? ['/usr/bin/time', ['-f', 'RSS=%M', process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
  return new Promise((resolve, reject) => {
    const t = performance.now();
    let first = 0;
    let err = '';
    const child = spawn(cmd, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdout.on('data', () => void (first ||= performance.now() - t));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ firstOutputMs: first || performance.now() - t, rssMb: Number(/RSS=(\d+)/.exec(err)?.[1] ?? 0) / 1024 }));
  });
}

function folderMb(dir: string): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    bytes += e.isDirectory() ? folderMb(p) * 1024 * 1024 : statSync(p).size;
  }
  return bytes / 1024 / 1024;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

async function benchSize(size: number, target: PlanTarget, library: ReturnType<typeof loadProcedures>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `jupiter-bench-${size}-`));
  const { lastSession } = await synthesize(dir, library, size);
  // Flush the freshly written synthetic folder first, or the first fsyncs of the run wait on tens of MB of it.
  execFileSync('sync');
  // Three runs of 60 iterations: the disk is shared and its fsync latency swings, so take the median of all.
  const times: number[] = [];
  for (let run = 0; run < 3; run++) times.push(...(await engineRun(dir, target, 60, new TimedPlanner())).slice(1));
  const overhead = median(times);
  const memory = await Memory.open(dir);
  const query = { goalText: 'Deploy the orchestrator', procedure: target.set.id, goalId: target.goal.id, findings: [], session: 'bench', budgetTokens: 4000 };
  const recallTimes: number[] = [];
  const cold = performance.now();
  let recalled = await memory.recall(query);
  const coldRecall = performance.now() - cold;
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    recalled = await memory.recall(query);
    recallTimes.push(performance.now() - t);
  }
  const prompt = buildPrompt({ goalText: query.goalText, target, iteration: size + 1, currentPlan: null, currentFindings: [], champion: null, objectives: ['steps'], seen: new Set(), recall: recalled, feedback: [], signal: new AbortController().signal });
  const promptTokens = countTokens(prompt.system + prompt.user);
  const everything = ['execution_log.md', 'successful_patterns.md', 'lessons.md'].map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
  const pasteTokens = countTokens(prompt.system) + countTokens(everything);
  const summaries: { firstOutputMs: number; rssMb: number }[] = [];
  for (let i = 0; i < 5; i++) summaries.push(await timeCommand(['summary', '--memory', dir]));
  const resumes: { firstOutputMs: number; rssMb: number }[] = [];
  const sessionFile = path.join(dir, FILES.sessions, `${lastSession}.yaml`);
  for (let i = 0; i < 5; i++) {
    // A resumable session one iteration short of done: resume runs it and exits.
    const state = parse(readFileSync(sessionFile, 'utf8')) as SessionState;
    writeFileSync(sessionFile, stringify({ ...state, status: 'interrupted', settings: { ...state.settings, iterations: state.progress.completed + 1, proceduresDir: library.dir } }));
    resumes.push(await timeCommand(['resume', lastSession, '--unattended', '--memory', dir]));
  }
  return {
    size,
    overhead,
    recall: median(recallTimes),
    coldRecall,
    promptTokens,
    memoryTokens: recalled.tokens,
    pasteTokens,
    summaryMs: median(summaries.map((s) => s.firstOutputMs)),
    resumeMs: median(resumes.map((s) => s.firstOutputMs)),
    rssMb: Math.max(...summaries.map((s) => s.rssMb), ...resumes.map((s) => s.rssMb)),
    folderMb: folderMb(dir),
    items: recalled.total,
  };
}

/**
 * Best of K (#10.8): wall time per iteration with K concurrent candidates against fake servers that answer in 300 ms,
 * over one endpoint and over two replicas. K candidates should cost about one answer's time, not K.
 */
async function benchCandidates(target: PlanTarget, iterations: number): Promise<{ label: string; k: number; ms: number }[]> {
  const plan = (await new BuiltinPlanner().propose({ goalText: 'Deploy the orchestrator', target, iteration: 1, currentPlan: null, currentFindings: [], champion: null, objectives: ['steps'], seen: new Set(), recall: { items: [], tokens: 0, budget: 4000, total: 0 }, feedback: [], signal: new AbortController().signal })).plan;
  const reply = { content: JSON.stringify(plan), delayMs: 300 };
  const out: { label: string; k: number; ms: number }[] = [];
  for (const replicas of [1, 2]) {
    const servers: FakeOpenAI[] = [];
    for (let i = 0; i < replicas; i++) servers.push(await startFakeOpenAI([reply]));
    try {
      for (const k of [1, 4]) {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'jupiter-bench-k-'));
        const memory = await Memory.open(dir);
        const store = new SessionStore(path.join(dir, FILES.sessions));
        const endpoints = servers.map((srv) => ({ baseUrl: srv.url, client: new OpenAI({ apiKey: 'bench', baseURL: srv.url, maxRetries: 0 }) }));
        const planner = new OpenAIPlanner({ endpoints, model: 'bench-model', prices: DEFAULT_PRICES, maxRetries: 0, timeoutMs: 10_000 });
        const state = newSession(`bench-k${k}-${replicas}`, 'Deploy the orchestrator', target, { iterations, checkpoint: 0, unattended: true, provider: 'custom', contextBudget: 4000, proceduresDir: '', patience: 0, repairs: 0, maxFailures: 5, candidates: k }, new Date());
        const times: number[] = [];
        let start = 0;
        await runSession(state, {
          planner, target, memory, store, reviewer: noReviewer, signal: new AbortController().signal,
          emit: (e) => {
            if (e.type === 'iteration-started') start = performance.now();
            if (e.type === 'iteration-finished') times.push(performance.now() - start);
          },
        });
        out.push({ label: replicas === 1 ? 'one endpoint' : `${replicas} replicas`, k, ms: median(times) });
      }
    } finally {
      await Promise.all(servers.map((srv) => srv.close()));
    }
  }
  return out;
}

/** Best of K: K concurrent candidates against a 300 ms server should take about one answer's time. */
async function printCandidates(target: PlanTarget, quick: boolean, fmt: (n: number, d?: number) => string): Promise<void> {
  const k = await benchCandidates(target, quick ? 5 : 9);
  console.log('');
  for (const label of [...new Set(k.map((r) => r.label))]) {
    const one = k.find((r) => r.label === label && r.k === 1)!.ms;
    const four = k.find((r) => r.label === label && r.k === 4)!.ms;
    console.log(`best of K (${label}, server answers in 300 ms): K=1 ${fmt(one, 0)} ms/iteration, K=4 ${fmt(four, 0)} ms/iteration: ${fmt(four / one, 2)}x (target < 1.5x)`);
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv.find((a) => a.startsWith('--sizes='));
  const sizes = only ? only.slice(8).split(',').map(Number) : quick ? [100, 1000] : [100, 1000, 10_000];
  const library = loadProcedures(path.join(ROOT, 'procedures'));
  const target = findTarget(library, 'production-deployment/deploy-service');
  const fmt = (n: number, d = 1) => n.toFixed(d);
  if (process.argv.includes('--candidates-only')) return printCandidates(target, quick, fmt);
  const rows = [];
  for (const size of sizes) {
    process.stderr.write(`bench: ${size} iterations of memory…\n`);
    rows.push(await benchSize(size, target, library));
  }
  const header = ['memory (iterations)', 'items', 'engine overhead/iter ms', 'recall ms (first)', 'prompt tokens', 'of which memory', 'paste-all tokens', 'ratio', 'summary ms', 'resume ms', 'peak RSS MB', 'folder MB'];
  const lines = rows.map((r) => [String(r.size), String(r.items), fmt(r.overhead, 2), `${fmt(r.recall, 2)} (${fmt(r.coldRecall, 1)})`, String(r.promptTokens), `${r.memoryTokens}/4000`, String(r.pasteTokens), `${fmt(r.pasteTokens / r.promptTokens)}x`, fmt(r.summaryMs, 0), fmt(r.resumeMs, 0), fmt(r.rssMb, 0), fmt(r.folderMb)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  console.log(row(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(row(l));

  // Prefix stability: how much of each prompt is an unchanged prefix of the previous one (what prefix caching reuses).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jupiter-bench-prefix-'));
  const planner = new TimedPlanner(true);
  await engineRun(dir, target, quick ? 30 : 100, planner);
  const shares = planner.prompts.slice(1).map((p, i) => commonPrefix(planner.prompts[i]!, p) / p.length);
  console.log(`\nunchanged-prefix share across a ${planner.prompts.length}-iteration run: median ${fmt(median(shares) * 100)}% (min ${fmt(Math.min(...shares) * 100)}%)`);
  await printCandidates(target, quick, fmt);
  console.log(`machine: ${os.cpus().length} cores, node ${process.version}; medians of 3×59 iterations / 30 recalls / 5 process runs; overhead excludes the planner's own time`);

  // Procedures at scale: ~2,000 ground actions, a 60-step plan (targets: load < 300 ms, validate < 1 ms, planner < 5 s).
  process.stderr.write('bench: procedures at scale…\n');
  const scale = benchScale();
  const scaleHeader = ['procedure set', 'actions', 'plan steps', 'load ms (cpu)', 'validate ms', 'planner s (cpu)', 'planner result'];
  const scaleLines = scale.map((r) => [r.set, String(r.actions), String(r.planSteps), `${fmt(r.loadMs, 0)} (${fmt(r.loadCpuMs, 0)})`, Number.isNaN(r.validateMs) ? '-' : `${fmt(r.validateMs, 3)}${r.valid ? '' : ' (invalid)'}`, `${fmt(r.searchMs / 1000, 2)} (${fmt(r.searchCpuMs / 1000, 2)})`, r.search]);
  const scaleWidths = scaleHeader.map((h, i) => Math.max(h.length, ...scaleLines.map((l) => l[i]!.length)));
  const scaleRow = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(scaleWidths[i]!)).join(' | ')} |`;
  console.log(`\n${scaleRow(scaleHeader)}`);
  console.log(`|${scaleWidths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of scaleLines) console.log(scaleRow(l));
}

await main();
