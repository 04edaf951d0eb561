// A model's claim that its plan is optimal is checked, never taken on trust: the procedures' lower bound, the exact
// search and the champion decide whether it holds, is refuted or stays unchecked; the verdict reaches the screen, the
// log record, the next prompt and `summary`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { optimise } from '../src/planners/builtin/optimise.js';
import { ClaimChecker } from '../src/planners/claim.js';
import { parsePlanOutput } from '../src/planners/parse.js';
import { planFromActions } from '../src/planners/search.js';
import { lowerBound } from '../src/procedures/bounds.js';
import { loadProcedures } from '../src/procedures/load.js';
import { objectivesOf, scorePlan } from '../src/procedures/quality.js';
import type { PlanTarget, ProcedureSet } from '../src/procedures/types.js';
import { validatePlan } from '../src/procedures/validate.js';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, modelFlags } from './support/fake-openai.js';

const library = loadProcedures(SHIPPED);
const deploy = library.sets.find((s) => s.id === 'production-deployment')!;
const DEPLOY: PlanTarget = { set: deploy, goal: deploy.goals[0]! };
const example = parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')) as Record<string, unknown>;

function optimum(target: PlanTarget) {
  const r = optimise(target, { objectives: objectivesOf(target), rules: target.set.rules, seen: new Set() });
  expect(r.proved).toBe(true);
  return planFromActions(target, r.best!.actions, 'The proved optimum');
}

/** Three steps in a chain, each the only way to its fact: the bound is the plan itself. */
const CHAIN: ProcedureSet = {
  id: 'chain',
  name: 'Chain',
  description: 'a chain',
  initial: [],
  actions: [
    { id: 'a', description: 'a', requires: [], provides: ['x'], removes: [], fields: [], duration: 10, cost: 1 },
    { id: 'b', description: 'b', requires: ['x'], provides: ['y'], removes: [], fields: [], duration: 20, cost: 2 },
    { id: 'c', description: 'c', requires: ['y'], provides: ['z'], removes: [], fields: [], duration: 5, cost: 3 },
  ],
  rules: [],
  goals: [{ id: 'g', description: 'reach z', facts: ['z'] }],
} as unknown as ProcedureSet;

describe('the lower bound', () => {
  it('never exceeds the proved optimum on any objective, on every shipped goal', () => {
    for (const set of library.sets) {
      for (const goal of set.goals) {
        const target = { set, goal };
        const best = scorePlan(optimum(target), target);
        const bound = lowerBound(target);
        for (const o of ['makespan', 'cost', 'risk', 'steps'] as const) expect(bound[o], `${set.id} ${o}`).toBeLessThanOrEqual(best[o] + 1e-9);
      }
    }
  });

  it('is the chain itself when every step is the only way to its fact', () => {
    const target = { set: CHAIN, goal: CHAIN.goals[0]! };
    expect(lowerBound(target)).toEqual({ makespan: 35, cost: 6, risk: 0, steps: 3 });
  });
});

describe('checking a claim', () => {
  it('holds by the bound, by search, or is refuted by the search, the champion; unchecked when nothing is proved', () => {
    const chain = { set: CHAIN, goal: CHAIN.goals[0]! };
    const chainPlan = planFromActions(chain, ['a', 'b', 'c'], '');
    expect(new ClaimChecker().check(scorePlan(chainPlan, chain), chain, ['makespan', 'cost'], null)).toEqual({
      verdict: 'holds',
      by: 'bound',
      text: 'holds (proved by the lower bound: it meets it on every objective)',
    });
    const objectives = objectivesOf(DEPLOY);
    const best = scorePlan(optimum(DEPLOY), DEPLOY);
    const mine = scorePlan(example as never, DEPLOY);
    expect(validatePlan(example as never, DEPLOY).valid).toBe(true);
    const checker = new ClaimChecker();
    expect(checker.check(best, DEPLOY, objectives, null)).toMatchObject({ verdict: 'holds', by: 'search', text: 'holds (proved by search)' });
    expect(checker.check(mine, DEPLOY, objectives, null)).toMatchObject({ verdict: 'refuted', by: 'search' });
    expect(checker.check(mine, DEPLOY, objectives, { score: best, iteration: 4 }).text).toMatch(/^refuted: the champion of iteration 4 scores better/);
    expect(new ClaimChecker({ maxWork: 10, maxExpansions: 1 }).check(mine, DEPLOY, objectives, null)).toEqual({
      verdict: 'unchecked',
      text: 'unchecked: no bound reached and the search proved nothing within its budget',
    });
  });

  it('reads only a boolean true as the claim', () => {
    const plan = JSON.stringify({ ...example, optimal: true });
    expect(parsePlanOutput(plan)).toMatchObject({ claimsOptimal: true });
    expect(parsePlanOutput(JSON.stringify({ ...example, optimal: 'yes' }))).not.toHaveProperty('claimsOptimal');
    expect(parsePlanOutput(JSON.stringify(example))).not.toHaveProperty('claimsOptimal');
  });
});

describe('a model claiming optimal plans, through the real openai client', () => {
  const { serve } = fakeServers();

  it('a false claim is refuted, a true one proved by search ends the run; the next prompt, the screen and summary say which', async () => {
    const best = optimum(DEPLOY);
    const answers = [JSON.stringify({ ...example, optimal: true }), JSON.stringify({ ...best, optimal: true })];
    const server = await serve(({ index }) => ({ content: answers[Math.min(index, answers.length - 1)]! }));
    const cwd = tempDir('jupiter-claim-');
    const run = await runCli(['plan', 'Deploy the orchestrator', ...modelFlags(server.url), '--unattended', '-n', '5', '-c', '0', '--procedures', SHIPPED], {
      cwd,
      env: { JUPITER_API_KEY: 'sk-test-claim-00000000' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Iteration 1: first valid plan.* · its claim to be optimal: refuted: a plan the search found scores better \(/);
    expect(run.stdout).toMatch(/Iteration 2: better plan.* · its claim to be optimal: holds \(proved by search\)/);
    expect(run.stdout).toMatch(/Converged.*optimal for makespan, cost, steps \(the model's claim, holds \(proved by search\)\)/);
    const calls = server.chatRequests();
    expect(calls).toHaveLength(2);
    const second = JSON.stringify(calls[1]!.body.messages);
    expect(second).toContain('You claimed it optimal; checked, the claim refuted: a plan the search found scores better');
    // The contract tells the model it may claim, and that the claim is checked.
    expect(JSON.stringify(calls[0]!.body.messages)).toContain('jupiter checks the claim');

    const summary = await runCli(['summary', '--goal', 'production-deployment/deploy-service'], { cwd });
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toContain('Claims of an optimal plan checked: 2 · hold 1 · refuted 1 · unchecked 0');
    expect(summary.stdout).toMatch(/iteration 2 of .*: holds \(proved by search\)/);
  });

  it('a plan the model does not claim optimal is never called optimal', async () => {
    const server = await serve(() => ({ content: JSON.stringify(optimum(DEPLOY)) }));
    const cwd = tempDir('jupiter-claim-');
    const run = await runCli(['plan', 'Deploy the orchestrator', ...modelFlags(server.url), '--unattended', '-n', '2', '-c', '0', '--procedures', SHIPPED], {
      cwd,
      env: { JUPITER_API_KEY: 'sk-test-claim-00000000' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/optimal/i);
  });
});
