import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, type Reply } from './support/fake-openai.js';
import { spawnJson } from './support/spawn-events.js';

const { serve } = fakeServers();
/** A model that proposes the same valid plan every time: the run never converges, so it lasts as long as asked. */
const SAME_PLAN: Reply = { content: JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8'))), usage: { prompt_tokens: 100, completion_tokens: 50 } };
const model = (url: string) => ['--provider', 'custom', '--base-url', url, '--model', 'test-model', '--patience', '0', '--procedures', SHIPPED];

const iterationNumbers = (dir: string) => [...readFileSync(path.join(dir, 'memory', 'execution_log.md'), 'utf8').matchAll(/^## Iteration (\d+) /gm)].map((m) => Number(m[1]));

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
  it('runs until the built-in planner proves its plan optimal: log sections 1..n, a checkpoint line per interval, a completed session', async () => {
    const cwd = tempDir();
    const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '20', '-c', '1', '--unattended', '--procedures', SHIPPED], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const [s] = await sessions(cwd);
    const n = s!.progress.completed;
    expect(s).toMatchObject({ status: 'completed', progress: { approved: n, failed: 0 } });
    expect(iterationNumbers(cwd)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(r.stdout).toMatch(/^▲ Iteration 1: first valid plan/m);
    // Not a line for a checkpoint the run never reached, nor one at the end of a run that asked for none.
    expect(r.stdout.match(/◆ Checkpoint after iteration \d+/g)).toEqual(Array.from({ length: n }, (_, i) => `◆ Checkpoint after iteration ${i + 1}`));
    const converged = r.stdout.match(/^★ Converged at iteration (\d+): /m);
    expect(Number(converged?.[1])).toBe(n);
    // Said once as it happened and once in the closing report; never a third time.
    expect(r.stdout.match(/onverged/g)).toHaveLength(2);
    // Plans are stored once per distinct plan, content-addressed.
    const stored = readdirSync(path.join(cwd, 'memory', 'plans')).filter((f) => /^[0-9a-f]{16}\.yaml$/.test(f)).length;
    expect(stored).toBeGreaterThanOrEqual(1);
    expect(stored).toBeLessThanOrEqual(n);
    const summary = await runCli(['summary', '--json'], { cwd });
    expect(JSON.parse(summary.stdout)).toMatchObject({ iterations: n, approved: n, sessions: 1, successRate: 1 });
  });

  it('-c 0 prints no checkpoint at all (the header says so)', async () => {
    const cwd = tempDir();
    const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '5', '-c', '0', '--unattended', '--procedures', SHIPPED], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('no checkpoints');
    expect(r.stdout).not.toMatch(/Checkpoint/);
  });

  it('finds the shipped procedures by itself when the folder has none', async () => {
    const cwd = tempDir();
    const r = await runCli(['plan', 'Quarterly access review of the HR system', '-n', '2', '-c', '0', '--unattended'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('access-review/quarterly-access-review');
  });

  it('SIGKILL mid-run, then resume: exactly 20 iterations logged, none twice', async () => {
    const cwd = tempDir();
    const server = await serve(() => SAME_PLAN);
    const run = spawnJson(['plan', 'Deploy the orchestrator', '-n', '20', '-c', '5', '--unattended', ...model(server.url)], { cwd });
    await run.waitFor((e) => e.type === 'iteration-finished' && e.iteration === 3);
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    const before = iterationNumbers(cwd);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(20);
    const resumed = await runCli(['resume', '--unattended'], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming after iteration ${before.length}`);
    expect(iterationNumbers(cwd)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const [s] = await sessions(cwd);
    expect(s).toMatchObject({ status: 'completed', progress: { completed: 20, approved: 20 } });
  });

  it('Ctrl-C stops after saving, says so, exits 130; resume continues; a second resume of a running session is refused', async () => {
    const cwd = tempDir();
    const server = await serve(() => SAME_PLAN);
    const run = spawnJson(['plan', 'Deploy the orchestrator', '-n', '5000', '-c', '0', '--unattended', ...model(server.url)], { cwd });
    const started = await run.waitFor((e) => e.type === 'iteration-finished' && e.iteration === 3);
    expect(started).toBeDefined();
    const second = await runCli(['resume', '--unattended'], { cwd });
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
    writeFileSync(path.join(cwd, 'memory', 'lessons.md'), '# Lessons\n\n## production-deployment / deploy-service\n\n- Always page the on-call SRE before deploy-production\n- <!-- {broken\n-\n');
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
