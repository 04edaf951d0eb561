import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { summaryLines } from '../src/cli/summary-view.js';
import { Memory } from '../src/memory/store.js';
import { learningSummary, sessionSummary } from '../src/state/summary.js';
import { summaryFold } from '../src/memory/summary-fold.js';
import type { PlanTarget } from '../src/procedures/types.js';
import { runCli, SHIPPED, tempDir } from './support/cli.js';
import { memDir } from './support/memory-fixtures.js';
import { GOOD, GOOD_SCAN_FIRST, RELEASE, ScriptedSession } from './support/memory-sessions.js';

const DIRECT = ['open-ticket', 'build', 'run-tests', 'approve-release', 'deploy-directly', 'verify', 'close-ticket'];
const NO_DEPLOY = ['open-ticket', 'build', 'run-tests', 'security-scan', 'approve-release', 'verify', 'close-ticket'];
const CANARY = ['open-ticket', 'build', 'run-tests', 'security-scan', 'approve-release', 'canary', 'verify', 'close-ticket'];
const CANARY_SCAN_FIRST = ['open-ticket', 'build', 'security-scan', 'run-tests', 'approve-release', 'canary', 'verify', 'close-ticket'];
const HOTFIX: PlanTarget = { set: RELEASE.set, goal: { ...RELEASE.goal, id: 'hotfix', description: 'Ship a hotfix' } };

/** A scripted history: two sessions on release/ship (s1 improves three times and converges), one on release/hotfix. */
async function history(): Promise<{ dir: string; memory: Memory }> {
  const dir = memDir();
  const memory = await Memory.open(dir);
  const s1 = new ScriptedSession(memory, 's1');
  const script: [() => Promise<unknown>, string][] = [
    [() => s1.propose(DIRECT), 'failed'],
    [() => s1.propose(GOOD, { cost: 100, repairs: 1 }), 'improved'],
    [() => s1.propose(GOOD_SCAN_FIRST, { cost: 100 }), 'alternative'],
    [() => s1.propose(GOOD_SCAN_FIRST, { cost: 100 }), 'repeat'],
    [() => s1.error('server: 500 from http://gpu-box:8000/v1'), 'error'],
    [() => s1.propose(CANARY, { cost: 80, repairs: 2 }), 'improved'],
    [() => s1.propose(NO_DEPLOY), 'failed'],
    [() => s1.propose(CANARY_SCAN_FIRST, { cost: 70, converged: 'optimal for cost, steps' }), 'improved'],
  ];
  for (const [step] of script) await step();
  expect(s1.outcomes).toEqual(script.map(([, o]) => o));
  await s1.review('human-approval', CANARY_SCAN_FIRST);
  await s1.review('rejection', CANARY_SCAN_FIRST, 'Name the on-call SRE in the verify step');
  const s2 = new ScriptedSession(memory, 's2');
  expect(await s2.propose(GOOD, { cost: 100 })).toBe('improved');
  const s3 = new ScriptedSession(memory, 's3', HOTFIX, 'Ship the login hotfix');
  await s3.propose(DIRECT);
  await s3.propose(GOOD, { cost: 90 });
  return { dir, memory };
}

describe('the learning summary shows learning (#10.9)', () => {
  it('proves its numbers from a scripted sequence of records: champion over time, improvements, first try, repairs, failures by rule, plans, convergence', async () => {
    const { memory } = await history();
    const s = await learningSummary(memory.dir, await memory.records(), await memory.items(), { session: 's1', window: 4 });
    expect(s).toMatchObject({
      sessions: 1,
      iterations: 8,
      approved: 4,
      worse: 0,
      repeats: 1,
      failed: 2,
      errors: 1,
      humanApprovals: 1,
      rejections: 1,
      overrides: 0,
    });
    expect(s.learning).toMatchObject({ improvements: 3, firstTryValid: 3, repairs: 3, distinctPlans: 6, repeats: 1 });
    expect(s.filter).toEqual({ session: 's1' });
    expect(s.windows).toEqual([
      {
        from: 1,
        to: 4,
        rate: 0.75,
        valid: 3,
        total: 4,
        firstTry: 2,
        repairs: 1,
        repaired: 1,
        failures: { 'scan-before-approval': 1, 'no-direct-deploys': 1, 'security-scan-required': 1 },
      },
      { from: 5, to: 8, rate: 0.5, valid: 2, total: 4, firstTry: 1, repairs: 2, repaired: 1, failures: { precondition: 1 } },
    ]);
    expect(s.learning!.converged).toEqual([{ session: 's1', iteration: 8, reason: 'optimal for cost, steps' }]);
    // The champion over iterations: nothing until iteration 2, then 100, 80 from iteration 6, 70 at iteration 8 until
    // the person rejected it at its checkpoint: the champion stepped back up to 80, marked.
    expect(s.learning!.champions).toHaveLength(1);
    const [c] = s.learning!.champions;
    expect(c).toMatchObject({ scope: 'release/ship', objectives: ['cost', 'steps'], improvements: 3, last: { session: 's1', iteration: 8, since: 0 } });
    expect(c!.points.map((p) => [p.from, p.score?.cost])).toEqual([
      [2, 100],
      [3, 100],
      [4, 100],
      [5, 100],
      [6, 80],
      [7, 80],
      [8, 80],
    ]);
    expect(c!.points.map((p) => p.rejected ?? false)).toEqual([false, false, false, false, false, false, true]);
    // Insights, each confirmed by the validator on the failure it came from: support counts those failures (DIRECT once
    // on this goal), not the later plans that hold them, and the person who approved a plan reviewed no insight.
    // Only the session's goal's insights are shown.
    const direct = 'no-direct-deploys: leave out deploy-directly (deploy-production instead)';
    expect(s.topInsights).toContainEqual({ text: direct, count: 1, against: 0, human: 0, scope: 'release/ship' });
    expect(s.topInsights.every((i) => i.scope === 'release/ship')).toBe(true);
    // The person approved CANARY_SCAN_FIRST, then rejected it: it is never the best plan again. s2's champion is.
    expect(s.exemplars).toEqual([{ text: `best plan so far (cost 100 · steps 8): ${GOOD.join(' → ')}`, count: 1, human: 0, scope: 'release/ship' }]);

    const lines = summaryLines(s, new Chalk({ level: 0 })).join('\n');
    // On an 80-column terminal the charts' bars narrow so each row keeps its value on one line; elsewhere they are 30 wide.
    const rows = (text: string[]) => text.filter((l) => /^ {2}[ \d–]{11} [█·]+ /.test(l));
    expect(rows(lines.split('\n')).every((l) => /^ {2}[ \d–]{11} [█·]{30} /.test(l))).toBe(true);
    for (const columns of [80, 50]) {
      const narrow = rows(summaryLines(s, new Chalk({ level: 0 }), columns));
      const champion = narrow.filter((l) => / cost \d+ · steps \d+$/.test(l));
      expect(champion.length).toBeGreaterThan(0);
      for (const row of champion) expect(row.length, row).toBeLessThanOrEqual(columns);
    }
    expect(lines).toContain('Scope: session s1');
    expect(lines).toContain('Iterations 8 in 1 session · approved 4 · worse 0 · repeats 1 · failed 2');
    expect(lines).toContain('Improvements 3 (strict) · first-try valid 3 · repairs 3 · distinct plans 6');
    expect(lines).toContain('Converged at iteration 8 of s1: optimal for cost, steps');
    expect(lines).toContain('Champion score over iterations: release/ship');
    expect(lines).toMatch(/ {11}8 █+·* cost 80 · steps \d+ ✖ the champion before was rejected/);
    expect(lines).toContain("3 improvements of the goal's best plan · the last at iteration 8 of s1, the latest iteration");
    expect(lines).toMatch(
      /1–4 .* 75% \(3\/4\) · first try 2 · 1 repair, 1 fixed · failed on no-direct-deploys ×1, scan-before-approval ×1, security-scan-required ×1/,
    );
    // The insights table shows the columns its header names, each vote in its column.
    const table = lines.split('\n');
    const head = table.indexOf('Top insights (for: confirmations · against: refutations · human: approvals)');
    expect(table[head + 1]).toBe('  for against human  insight');
    expect(table).toContain(`    1       0     0  ${direct} (release/ship)`);
  });

  it('filters by goal (procedure/goal, goal id or the goal as typed) and by session; the checkpoint view is this session on this goal', async () => {
    const { memory } = await history();
    const records = await memory.records();
    const items = await memory.items();
    const all = await learningSummary(memory.dir, records, items);
    expect(all).toMatchObject({ sessions: 3, iterations: 11 });
    // The running totals (no history read) agree on the counts and claim no learning detail.
    const totals = await learningSummary(memory.dir, await memory.aggregate(summaryFold), items);
    expect(totals).toMatchObject({ sessions: 3, iterations: 11, approved: all.approved, failed: all.failed, errors: all.errors, learning: null });
    expect(summaryLines(totals, new Chalk({ level: 0 })).join('\n')).toContain('see them with --goal <goal> or --session <id> (11 iterations in memory)');
    expect(all.learning!.champions.map((c) => c.scope)).toEqual(['release/ship', 'release/hotfix']);
    for (const goal of ['release/ship', 'release / ship', 'ship', 'payments']) {
      const s = await learningSummary(memory.dir, records, items, { goal });
      expect(s, goal).toMatchObject({ sessions: 2, iterations: 9, learning: { improvements: 4 } });
      // s1's champion (70) was rejected: s1 fell back to its best plan standing (80), which s2's champion (100) does not
      // beat; the chart marks the rejection where it fell.
      expect(s.learning!.champions.map((c) => [c.scope, c.points.at(-1)!.score?.cost, c.points.at(-1)!.rejected])).toEqual([['release/ship', 80, true]]);
      expect(s.exemplars.map((e) => e.scope)).toEqual(['release/ship']);
    }
    const hotfix = await learningSummary(memory.dir, records, items, { goal: 'login hotfix' });
    expect(hotfix).toMatchObject({ sessions: 1, iterations: 2, failed: 1, learning: { improvements: 1 } });
    expect(hotfix.topInsights.every((i) => i.scope === 'release/hotfix')).toBe(true);
    const checkpoint = await sessionSummary(memory, { session: 's2', procedure: 'release', goalId: 'ship' });
    expect(checkpoint).toMatchObject({ sessions: 1, iterations: 1, learning: { improvements: 1 }, filter: { session: 's2', goal: 'release/ship' } });
  });

  it('`jupiter summary --session/--goal` filters, and names the flag when it matches nothing (exit 2)', async () => {
    const { dir } = await history();
    const ok = await runCli(['summary', '--memory', dir, '--goal', 'release/ship', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ sessions: 2, iterations: 9, filter: { goal: 'release/ship' } });
    const text = await runCli(['summary', '--memory', dir, '--session', 's1']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Converged at iteration 8 of s1');
    const bad = await runCli(['summary', '--memory', dir, '--session', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--session nope: no such session/);
    const badGoal = await runCli(['summary', '--memory', dir, '--goal', 'birthday cake']);
    expect(badGoal.code).toBe(2);
    expect(badGoal.stderr).toMatch(/--goal birthday cake: no session/);
  });
});

describe('summary --goal', () => {
  it('prints the goal the words resolved to: procedure/goal and the goal as typed', async () => {
    const cwd = tempDir('jupiter-summary-goal-');
    expect((await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '--unattended', '--procedures', SHIPPED], { cwd })).code).toBe(0);
    const byWords = await runCli(['summary', '--goal', 'orchestrator'], { cwd });
    expect(byWords.code, byWords.stderr).toBe(0);
    expect(byWords.stdout.split('\n')[1]).toBe('Scope: goal "orchestrator" → production-deployment/deploy-service ("Deploy the orchestrator")');
    const byId = await runCli(['summary', '--goal', 'deploy-service'], { cwd });
    expect(byId.stdout.split('\n')[1]).toBe('Scope: goal "deploy-service" → production-deployment/deploy-service ("Deploy the orchestrator")');
    // Named exactly: nothing more to resolve.
    const exact = await runCli(['summary', '--goal', 'production-deployment/deploy-service'], { cwd });
    expect(exact.stdout.split('\n')[1]).toBe('Scope: goal production-deployment/deploy-service');
    const json = JSON.parse((await runCli(['summary', '--goal', 'orchestrator', '--json'], { cwd })).stdout) as { filter: unknown };
    expect(json.filter).toEqual({ goal: 'orchestrator', resolved: [{ goal: 'production-deployment/deploy-service', typed: ['Deploy the orchestrator'] }] });
  });
});
