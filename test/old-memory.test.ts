// A memory folder written by jupiter before sessions and plans moved to JSON (test/fixtures/memory-v1: two sessions,
// one finished with the built-in planner, one paused by --max-failures on a model; YAML session and plan files, the
// sessions journal, one-letter log keys) still lists, summarises and resumes. The fixture was made by the CLI of
// that time; a copy gets this machine's procedures folder and a live model server in place of the ones it recorded.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { loadProcedures } from '../src/procedures/load.js';
import { planId, scorePlan } from '../src/procedures/quality.js';
import { findTarget } from '../src/procedures/target.js';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers } from './support/fake-openai.js';
import { planRequest } from './support/planner-fixtures.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'memory-v1');
const PAUSED = '20261206-144706-deploy-the-orchestrator-a8fc';
const FINISHED = '20261206-144705-deploy-the-orchestrator-e76c';
/** What the fixture's sessions recorded: the procedures folder and the model server of the machine that made it. */
const RECORDED = { procedures: '/work/wt/i20b/procedures', baseUrl: 'http://127.0.0.1:36821/v1' };
const env = { JUPITER_API_KEY: 'sk-fixture-0001' };
const { serve } = fakeServers();

/** A copy of the old folder in a fresh directory, pointed at this machine's procedures and at `baseUrl`. */
function oldFolder(baseUrl = RECORDED.baseUrl): string {
  const cwd = tempDir('jupiter-old-memory-');
  const memory = path.join(cwd, 'memory');
  cpSync(FIXTURE, memory, { recursive: true });
  const sessions = path.join(memory, 'sessions');
  for (const name of readdirSync(sessions).filter((n) => n.endsWith('.yaml'))) {
    const file = path.join(sessions, name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(RECORDED.procedures, SHIPPED).replaceAll(RECORDED.baseUrl, baseUrl));
  }
  return cwd;
}

interface Listed {
  id: string;
  status: string;
  iterations: number;
  progress: Record<string, number>;
}

async function listed(cwd: string): Promise<Listed[]> {
  const r = await runCli(['sessions', '--json'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { sessions: Listed[]; unreadable: unknown[] };
  expect(out.unreadable).toEqual([]);
  return out.sessions;
}

describe('a memory folder from before JSON state', () => {
  it('lists its sessions and summarises its log as they were written', async () => {
    const cwd = oldFolder();
    const sessions = await listed(cwd);
    expect(sessions.map((s) => [s.id, s.status, s.progress.completed, s.progress.failed])).toEqual([
      [PAUSED, 'paused', 3, 2],
      [FINISHED, 'completed', 2, 0],
    ]);
    const summary = await runCli(['summary', '--json'], { cwd });
    expect(summary.code, summary.stderr).toBe(0);
    const totals = JSON.parse(summary.stdout) as { sessions: number; iterations: number; approved: number; failed: number; usage: { promptTokens: number } };
    expect([totals.sessions, totals.iterations, totals.approved, totals.failed]).toEqual([2, 5, 3, 2]);
    expect(totals.usage.promptTokens).toBe(2800);
  });

  it('resumes the paused session: its champion, counters and usage carry on', async () => {
    const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
    const planner = new BuiltinPlanner();
    const first = (await planner.propose(planRequest(target, { objectives: ['makespan', 'cost', 'steps'] }))).plan;
    const champion = { plan: first, score: scorePlan(first, target), planId: planId(first), iteration: 1 };
    // The old champion is the built-in planner's first plan; the model now answers with its better second one.
    expect(champion.planId).toBe('3088201080b4340f');
    const better = (
      await planner.propose(planRequest(target, { objectives: ['makespan', 'cost', 'steps'], iteration: 2, champion, seen: new Set([champion.planId]) }))
    ).plan;
    const server = await serve([{ content: JSON.stringify(better), usage: { prompt_tokens: 1000, completion_tokens: 200 } }]);
    const cwd = oldFolder(server.url);

    const r = await runCli(['resume', PAUSED, '--unattended', '--patience', '2'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Resuming session ${PAUSED} (paused after 3 of 6 iterations)`);
    // Iteration 4 improves on the old champion; 5 and 6 repeat it (patience 2 ends the run at 6 either way).
    expect(r.stdout).toMatch(/Iteration 4: better plan/);
    expect(r.stdout).toContain(`Champion (iteration 4, ${better.steps.length} steps)`);
    const after = (await listed(cwd)).find((s) => s.id === PAUSED)!;
    expect(after.status).toBe('completed');
    expect(after.progress.completed).toBe(6);
    expect(after.progress.failed).toBe(2);
    expect(after.progress.improved).toBe(2);
    const log = readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8');
    expect((log.match(/^## Iteration \d+ /gm) ?? []).length).toBe(8);
    // Saved again as JSON (the YAML file it was read from is gone); the finished session's file is left as it was,
    // and the listing journal of that time is gone.
    const sessions = readdirSync(path.join(cwd, 'memory', 'sessions')).sort();
    expect(sessions).toEqual([`${FINISHED}.yaml`, `${PAUSED}.json`]);
    expect(JSON.parse(readFileSync(path.join(cwd, 'memory', 'sessions', `${PAUSED}.json`), 'utf8'))).toMatchObject({ id: PAUSED, status: 'completed' });
    // The better plan is the finished session's champion: stored before JSON, it is not stored again.
    expect(readdirSync(path.join(cwd, 'memory', 'plans')).sort()).toEqual(readdirSync(path.join(FIXTURE, 'plans')).sort());
    expect(readdirSync(path.join(FIXTURE, 'plans'))).toContain(`${planId(better)}.yaml`);
    const summary = JSON.parse((await runCli(['summary', '--json', '--session', PAUSED], { cwd })).stdout) as {
      iterations: number;
      usage: { promptTokens: number };
    };
    expect(summary.iterations).toBe(6);
    expect(summary.usage.promptTokens).toBe(2800 + 3 * 1000);
  });
});
