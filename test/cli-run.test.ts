import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';
import { spawnJson } from './support/spawn-events.js';

const { serve } = fakeServers();
const VALID = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));
const KEYED = { JUPITER_API_KEY: 'sk-test-cli-run-0001' };
/** A model that answers the same valid plan forever and never claims an optimum: a run lasts as long as asked. */
const modelPlan = (url: string) => ['plan', 'Deploy the orchestrator', ...modelFlags(url), '--unattended', '--patience', '0'];

const iterationNumbers = (dir: string) =>
  [...readFileSync(path.join(dir, 'memory', 'execution_log.md'), 'utf8').matchAll(/^## Iteration (\d+) /gm)].map((m) => Number(m[1]));

interface SessionJson {
  id: string;
  status: string;
  progress: { completed: number; approved: number; failed: number };
}
async function sessions(cwd: string): Promise<SessionJson[]> {
  const r = await runCli(['sessions', '--json'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { sessions: SessionJson[] }).sessions;
}

describe('jupiter plan (unattended, built-in planner)', () => {
  it('runs in an empty folder until the plan is proved optimal: one log section per iteration, a completed session', async () => {
    const cwd = tempDir();
    const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '20', '-c', '5', '--unattended', '--procedures', SHIPPED], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const done = iterationNumbers(cwd);
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(20);
    expect(done).toEqual(Array.from({ length: done.length }, (_, i) => i + 1));
    expect(r.stdout).toMatch(/Converged: optimal for makespan, cost, steps/);
    expect(r.stdout).toMatch(/Champion \(iteration \d+, 13 steps\): makespan 13h 45m/);
    const patterns = readFileSync(path.join(cwd, 'memory', 'successful_patterns.md'), 'utf8');
    expect(patterns).toMatch(/^- ×\d+ · best plan so far[^\n]* → switch-to-green → /m);
    const [s] = await sessions(cwd);
    expect(s).toMatchObject({ status: 'completed', progress: { completed: done.length, approved: done.length, improved: done.length, failed: 0 } });
    // Every iteration found a better plan: each is stored once, content-addressed.
    expect(readdirSync(path.join(cwd, 'memory', 'plans')).filter((n) => /^[0-9a-f]{16}\.json$/.test(n))).toHaveLength(done.length);
    const summary = await runCli(['summary', '--json'], { cwd });
    expect(JSON.parse(summary.stdout)).toMatchObject({ iterations: done.length, sessions: 1 });
  });

  it('`sessions` shows when each session last ran, and says "interrupted" once', async () => {
    const cwd = tempDir();
    expect((await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--unattended', '--procedures', SHIPPED], { cwd })).code).toBe(0);
    const dir = path.join(cwd, 'memory', 'sessions');
    const file = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), status: 'interrupted', haltReason: 'interrupted' }));
    const r = await runCli(['sessions'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/interrupted/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/^interrupted +\S+ +\d{4}-\d\d-\d\d \d\d:\d\d +1\/1 /m);
  });

  it('finds the shipped procedures by itself when the folder has none', async () => {
    const cwd = tempDir();
    const r = await runCli(['plan', 'Quarterly access review of the HR system', '-n', '2', '-c', '0', '--unattended'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('access-review/quarterly-access-review');
  });

  it('SIGKILL mid-run, then resume: exactly 20 iterations logged, none twice', { timeout: 600_000 }, async () => {
    const cwd = tempDir();
    const server = await serve([{ content: VALID }]);
    const run = spawnJson([...modelPlan(server.url), '-n', '20', '-c', '5'], { cwd, env: KEYED });
    await run.waitFor((e) => e.type === 'iteration-finished' && e.iteration === 3);
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    const before = iterationNumbers(cwd);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(20);
    const resumed = await runCli(['resume', '--unattended'], { cwd, env: KEYED });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming after iteration ${before.length}`);
    expect(iterationNumbers(cwd)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const [s] = await sessions(cwd);
    // The same valid plan every time: one improvement (the first plan), then repeats, and one stored plan.
    expect(s).toMatchObject({ status: 'completed', progress: { completed: 20, approved: 1, improved: 1, repeats: 19 } });
    expect(readdirSync(path.join(cwd, 'memory', 'plans')).filter((n) => /^[0-9a-f]{16}\.json$/.test(n))).toHaveLength(1);
    expect(readFileSync(path.join(cwd, 'memory', 'successful_patterns.md'), 'utf8')).toMatch(/^- ×\d+ · best plan so far[^\n]* → run-tests → /m);
  });

  it('Ctrl-C stops after saving, says so, exits 130; resume continues; a second resume of a running session is refused', async () => {
    const cwd = tempDir();
    const server = await serve([{ content: VALID }]);
    const run = spawnJson([...modelPlan(server.url), '-n', '1000000', '-c', '0'], { cwd, env: KEYED });
    const started = await run.waitFor((e) => e.type === 'iteration-finished' && e.iteration === 3);
    expect(started).toBeDefined();
    const second = await runCli(['resume', '--unattended'], { cwd, env: KEYED });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/session \S+ is already running \(process \d+/);
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    expect(run.stderr()).toMatch(/^Interrupted after \d+ iterations; memory is up to date\. To continue, resume with `jupiter resume \S+`\.$/m);
    const [s] = await sessions(cwd);
    expect(s!.status).toBe('interrupted');
    const logged = iterationNumbers(cwd);
    expect(s!.progress.completed).toBe(logged.length);
    expect(new Set(logged).size).toBe(logged.length);
  });

  it('a hand-broken line in lessons.md is reported and skipped; the lessons around it still count', async () => {
    const cwd = tempDir();
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(path.join(cwd, 'memory'), { recursive: true });
    writeFileSync(
      path.join(cwd, 'memory', 'lessons.md'),
      '# Lessons\n\n## production-deployment / deploy-service\n\n- Always page the on-call SRE before deploy-production\n- <!-- {broken\n-\n',
    );
    const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--unattended'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/! .*lessons\.md:\d+: skipped an unreadable line/);
    expect(readFileSync(path.join(cwd, 'memory', 'lessons.md'), 'utf8')).toContain('Always page the on-call SRE before deploy-production');
  });

  it('without a terminal and without --unattended it says so and exits 2', async () => {
    const r = await runCli(['plan', 'Deploy the orchestrator'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('jupiter: no terminal to ask at checkpoints (stdin is not a TTY): pass --unattended to run without prompts\n');
  });
});
