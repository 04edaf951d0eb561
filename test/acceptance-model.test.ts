// Issue #10's model-path acceptance: the real CLI and openai client against a local server scripted as an
// imperfect model. An unattended 100-iteration run survives failed iterations, counts repairs, improves its
// champion, and a SIGKILL plus resume keeps that champion.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { loadProcedures } from '../src/procedures/load.js';
import { planId, scorePlan, compareScores, objectivesOf } from '../src/procedures/quality.js';
import { findTarget } from '../src/procedures/target.js';
import { validatePlan } from '../src/procedures/validate.js';
import { checkInsights } from '../src/procedures/insight.js';
import { parseItemsFile } from '../src/memory/items-file.js';
import { runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, modelFlags, type Reply } from './support/fake-openai.js';
import { planRequest } from './support/planner-fixtures.js';
import { spawnJson } from './support/spawn-events.js';

const KEY = 'sk-test-acceptance-0001';
const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
const objectives = objectivesOf(target);
const { serve } = fakeServers();

/** Two valid plans of different quality, from the built-in planner itself, and a broken one. */
async function plans(): Promise<{ good: Plan; better: Plan; broken: Plan }> {
  const planner = new BuiltinPlanner();
  const good = (await planner.propose(planRequest(target, { objectives }))).plan;
  const seen = new Set([planId(good)]);
  const better = (
    await planner.propose(
      planRequest(target, { objectives, iteration: 2, champion: { plan: good, score: scorePlan(good, target), planId: planId(good), iteration: 1 }, seen }),
    )
  ).plan;
  const broken = { ...good, steps: good.steps.filter((s) => s.action !== 'run-tests') };
  return { good, better, broken };
}

function sessionFile(cwd: string): { champion: { planId: string; iteration: number } | null; progress: Record<string, number>; status: string } {
  const dir = path.join(cwd, 'memory', 'sessions');
  const file = readdirSync(dir).find((f) => f.endsWith('.json'))!;
  return parse(readFileSync(path.join(dir, file), 'utf8'));
}

describe('an imperfect model, unattended, 100 iterations', () => {
  it('fails some iterations without halting, repairs others, improves the champion, and keeps it across a kill', { timeout: 600_000 }, async () => {
    const { good, better, broken } = await plans();
    expect(validatePlan(good, target).valid && validatePlan(better, target).valid && !validatePlan(broken, target).valid).toBe(true);
    expect(compareScores(scorePlan(better, target), scorePlan(good, target), objectives)).toBeLessThan(0);
    // The model: mostly the good plan; every 6th answer broken (fixed when shown the findings); every 23rd
    // iteration stuck on a broken plan through all repairs; from answer 30 on it sometimes finds the better schedule.
    let lastBroken = false;
    let stuck = 0;
    const model = (req: { index: number }): Reply => {
      const i = req.index;
      let answer: Plan;
      if (stuck > 0) {
        stuck--;
        answer = broken;
      } else if (i % 23 === 0) {
        stuck = 2;
        answer = broken;
      } else if (i % 6 === 0 && !lastBroken) answer = broken;
      else answer = i > 30 && i % 4 === 0 ? better : good;
      lastBroken = answer === broken;
      return { content: JSON.stringify(answer), usage: { prompt_tokens: 900, completion_tokens: 300, cached_tokens: 0 } };
    };
    const server = await serve(model);
    const cwd = tempDir('jupiter-accept-model-');
    const args = ['plan', 'Deploy the orchestrator', ...modelFlags(server.url), '--unattended', '-n', '100', '-c', '25', '--patience', '0'];
    const env = { JUPITER_API_KEY: KEY, JUPITER_BACKOFF_MS: '5' };

    // Killed without warning after iteration 60 has been reported.
    const run = spawnJson(args, { cwd, env });
    await run.waitFor((e) => e.type === 'iteration-finished' && e.iteration === 60);
    run.child.kill('SIGKILL');
    await run.exited;
    // The champion as the killed run reported it: the last improvement before the kill.
    const improvements = run.events.filter((e) => e.type === 'iteration-finished' && e.outcome === 'improved');
    const championIteration = improvements.at(-1)!.iteration as number;
    expect(improvements).toHaveLength(2);

    const resumed = await runCli(['resume', '--unattended'], { cwd, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = sessionFile(cwd);
    expect(done.status).toBe('completed');
    expect(done.champion?.planId).toBe(planId(better));
    expect(done.champion?.iteration).toBe(championIteration);
    expect(done.progress.completed).toBe(100);
    expect(done.progress.failed).toBeGreaterThan(0);
    expect(done.progress.repaired).toBeGreaterThan(0);
    expect(done.progress.repairs).toBeGreaterThan(done.progress.repaired ?? 0);
    expect(done.progress.improved).toBe(2);
    const log = readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8');
    expect((log.match(/^## Iteration \d+ /gm) ?? []).length).toBe(100);
    expect(resumed.stdout).toMatch(/Champion \(iteration \d+, \d+ steps\)/);

    // Memory keeps only insights the validator confirms (issue 21). The run's only failed plan is `broken`; repairs
    // switched it to other plans, and the champion changed twice. Every insight kept is one the validator confirms
    // on that failure (its fix applied, the finding gone, nothing new broken), and none says to leave out a step of
    // the final champion.
    const kept = parseItemsFile(readFileSync(path.join(cwd, 'memory', 'successful_patterns.md'), 'utf8'), 'pattern').items.filter(
      (i) => i.data.type !== 'exemplar',
    );
    expect(kept.length).toBeGreaterThan(0);
    const confirmed = checkInsights(broken, target).insights;
    for (const item of kept) {
      const d = item.data;
      const ok = confirmed.some((c) =>
        d.type === 'ordering'
          ? c.rule === d.rule && c.actions.at(-1) === d.before && c.before === d.after
          : d.type === 'fix'
            ? c.rule === d.rule && c.actions.at(-1) === d.action && c.before === undefined
            : d.type === 'avoid' && c.change === 'remove' && c.actions[0] === d.action,
      );
      expect(ok, item.text).toBe(true);
      if (d.type === 'avoid') expect(better.steps.map((x) => x.action)).not.toContain(d.action);
    }
  });
});
