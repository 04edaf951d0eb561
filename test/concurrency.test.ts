// Two real CLI processes sharing one memory folder: nothing lost, nothing doubled; a running session cannot be taken twice.
import { readLogRange } from '../src/memory/log-range.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess as runCli, SHIPPED, tempDir } from './support/cli.js';
import { spawnJson } from './support/spawn-events.js';
import { modelFlags, startFakeOpenAI } from './support/fake-openai.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { planFromActions, searchPlan } from '../src/planners/search.js';

import type { LogRecord } from '../src/memory/record.js';

const logRecords = (memory: string): LogRecord[] =>
  [...readFileSync(path.join(memory, 'execution_log.md'), 'utf8').matchAll(/^<!-- jupiter:entry (\{.*\}) -->$/gm)].map((m) => JSON.parse(m[1]!) as LogRecord);
/** Each log section's session (from its record line) and whether its text names its run (the `Run:` line). */
const sections = (memory: string): { session: string; namesRun: boolean }[] =>
  readFileSync(path.join(memory, 'execution_log.md'), 'utf8')
    .split(/^(?=## )/m)
    .filter((s) => s.startsWith('## '))
    .map((s) => ({
      session: (JSON.parse(/^<!-- jupiter:entry (\{.*\}) -->$/m.exec(s)![1]!) as LogRecord).session,
      namesRun: /^- \*\*Run:\*\* .* session /m.test(s),
    }));

/** Pattern lines per `## scope` heading of successful_patterns.md: scope → [count, text][]. */
function patternsByScope(memory: string): Map<string, [number, string][]> {
  const out = new Map<string, [number, string][]>();
  let scope = '';
  for (const line of readFileSync(path.join(memory, 'successful_patterns.md'), 'utf8').split('\n')) {
    const h = /^##\s+(.+?)\s*$/.exec(line);
    if (h) {
      scope = h[1]!;
      out.set(scope, []);
      continue;
    }
    const m = /^- ×(\d+) · (.*?)\s*(<!--.*)?$/.exec(line);
    if (m) out.get(scope)!.push([Number(m[1]), m[2]!]);
  }
  return out;
}

describe('two concurrent plan runs on one memory folder', () => {
  it('both exit 0; the log holds each session’s 15 iterations exactly once; index = log; pattern counts are 15 per scope', async () => {
    const cwd = tempDir('jupiter-conc-');
    // A model that streams each plan over ~100 ms, so both 15-iteration runs are certainly in flight together.
    const library = loadProcedures(SHIPPED);
    const planFor = (spec: string) => {
      const target = findTarget(library, spec);
      const found = searchPlan(target);
      if (!found.found) throw new Error(found.reason);
      return JSON.stringify(planFromActions(target, found.actions, 'concurrency test'));
    };
    const plans = { deploy: planFor('production-deployment/deploy-service'), change: planFor('change-management/standard-change') };
    const server = await startFakeOpenAI((req) => ({
      content: JSON.stringify(req.body.messages).includes('Patch the database servers') ? plans.change : plans.deploy,
      chunkChars: 80,
      chunkDelayMs: 4,
    }));
    // --patience 0: the model proposes the same plan every time, and the run must still do all 15 iterations.
    const common = ['-n', '15', '-c', '0', '--patience', '0', '--unattended', '--procedures', SHIPPED, ...modelFlags(server.url)];
    const env = { JUPITER_API_KEY: 'sk-test-concurrency' };
    const [a, b] = await Promise.all([
      runCli(['plan', 'Deploy the orchestrator', ...common], { cwd, env }),
      runCli(['plan', 'Patch the database servers', ...common], { cwd, env }),
    ]).finally(() => server.close());
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const memory = path.join(cwd, 'memory');

    const sessions = JSON.parse((await runCli(['sessions', '--json'], { cwd })).stdout) as {
      sessions: { id: string; goal: string; procedure: string; goalId: string; status: string; progress: { completed: number } }[];
      unreadable: unknown[];
    };
    expect(sessions.unreadable).toEqual([]);
    expect(sessions.sessions).toHaveLength(2);
    for (const s of sessions.sessions) expect(s).toMatchObject({ status: 'completed', progress: { completed: 15 } });
    // The two runs really overlapped in time.
    const [s1, s2] = sessions.sessions as unknown as { createdAt: string; updatedAt: string }[];
    expect(s1!.createdAt < s2!.updatedAt && s2!.createdAt < s1!.updatedAt).toBe(true);
    const scopes = new Set(sessions.sessions.map((s) => `${s.procedure} / ${s.goalId}`));
    expect(scopes.size).toBe(2);

    const log = logRecords(memory);
    const iterations = log.filter((r) => r.type === 'iteration');
    expect(iterations).toHaveLength(30);
    // Their commits interleave in the shared log: the sessions really wrote at the same time.
    const switches = iterations.slice(1).filter((r, i) => r.session !== iterations[i]!.session).length;
    expect(switches).toBeGreaterThanOrEqual(2);
    for (const s of sessions.sessions) {
      const mine = iterations.filter((r) => r.session === s.id).map((r) => r.iteration);
      expect(mine, s.id).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    }
    // Log sections and their machine records agree, with unique increasing sequence numbers.
    expect(readFileSync(path.join(memory, 'execution_log.md'), 'utf8').match(/^## Iteration \d+ /gm)).toHaveLength(30);
    const seqs = log.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);

    // The log is its own index: bisecting it on record lines finds each session's records, all of them, in order.
    for (const s of [...new Set(log.map((r) => r.session))]) {
      const own = log.filter((r) => r.session === s);
      const found = (await readLogRange(path.join(memory, 'execution_log.md'), own[0]!.seq, own.at(-1)!.seq)).filter((r) => r.session === s);
      expect(found.map((r) => r.seq)).toEqual(own.map((r) => r.seq));
    }
    // A section restates its run whenever the one before it is another session's (writers interleaved).
    const secs = sections(memory);
    secs.forEach((sec, i) => {
      if (i === 0 || secs[i - 1]!.session !== sec.session) expect(sec.namesRun, `section ${i + 1}`).toBe(true);
    });
    expect(secs.some((sec, i) => i > 0 && secs[i - 1]!.session !== sec.session)).toBe(true);

    // Every pattern of each scope was seen by all 15 of that session's iterations, no more, no fewer.
    const patterns = patternsByScope(memory);
    for (const scope of scopes) {
      const lines = patterns.get(scope);
      expect(lines, `scope ${scope} in successful_patterns.md`).toBeDefined();
      expect(lines!.length).toBeGreaterThan(0);
      // The exemplar ("best plan so far") is the champion, counted once; every other pattern was seen 15 times.
      for (const [count, text] of lines!) expect(count, `${scope}: ${text}`).toBe(text.startsWith('best plan so far') ? 1 : 15);
    }
    // Nothing else landed in the patterns file.
    expect([...patterns.keys()].sort()).toEqual([...scopes].sort());
    const summary = await runCli(['summary', '--json'], { cwd });
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stderr).toBe('');
    expect(JSON.parse(summary.stdout)).toMatchObject({ iterations: 30, sessions: 2 });
  }, 120_000);

  it('a second `resume <id>` of a running session is refused: exit 2 naming the session and the holding process', async () => {
    const cwd = tempDir('jupiter-conc-');
    // A model (never claims an optimum, unlike the built-in planner) and no patience: the run goes on until stopped.
    const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
    const found = searchPlan(target);
    if (!found.found) throw new Error(found.reason);
    const server = await startFakeOpenAI(() => ({
      content: JSON.stringify(planFromActions(target, found.actions, 'held session')),
      // A slow stream (~250 ms a plan): the run stays in flight while the test looks at it, without burning the CPU
      // on hundreds of iterations nobody reads.
      chunkChars: 200,
      chunkDelayMs: 25,
    }));
    const run = spawnJson(
      ['plan', 'Deploy the orchestrator', '-n', '1000000', '-c', '0', '--patience', '0', '--unattended', '--procedures', SHIPPED, ...modelFlags(server.url)],
      { cwd, env: { JUPITER_API_KEY: 'sk-test-concurrency' } },
    );
    try {
      await run.waitFor((e) => e.type === 'iteration-finished' && e.iteration === 3);
      const list = JSON.parse((await runCli(['sessions', '--json'], { cwd })).stdout) as { sessions: { id: string; status: string }[] };
      expect(list.sessions).toHaveLength(1);
      const id = list.sessions[0]!.id;
      expect(list.sessions[0]!.status).toBe('running');
      const before = readFileSync(path.join(cwd, 'memory', 'sessions', `${id}.json`), 'utf8');
      expect(JSON.parse(before)).toMatchObject({ status: 'running' });

      const second = await runCli(['resume', id, '--unattended'], { cwd });
      expect(second.code, second.stderr).toBe(2);
      const lines = second.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^jupiter: /);
      expect(lines[0]).toContain(`session ${id}`);
      expect(lines[0]).toContain(`process ${run.child.pid}`);
      expect(second.stdout).not.toMatch(/resuming/i);

      // Also without naming it: "the latest unfinished" is the running one, and it is held.
      const third = await runCli(['resume', '--unattended'], { cwd });
      expect(third.code, third.stderr).toBe(2);
      expect(third.stderr).toContain(`process ${run.child.pid}`);
      // A second `plan` in the same folder is a different session and is not blocked by the lock.
    } finally {
      run.child.kill('SIGINT');
    }
    const exit = await run.exited;
    await server.close();
    expect(exit.code).toBe(130);
    const records = logRecords(path.join(cwd, 'memory')).filter((r) => r.type === 'iteration');
    const numbers = records.map((r) => r.iteration);
    // The refused resumes did not add or repeat iterations.
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    const list = JSON.parse((await runCli(['sessions', '--json'], { cwd })).stdout) as { sessions: { status: string; progress: { completed: number } }[] };
    expect(list.sessions[0]).toMatchObject({ status: 'interrupted', progress: { completed: numbers.length } });
  }, 120_000);
});
