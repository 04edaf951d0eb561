// Goal matching a person can trust: meaningful words only, a reason shown, doubtful matches confirmed or refused.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { targetChoices } from '../src/cli/ask-target.js';
import { loadProcedures } from '../src/procedures/load.js';
import { rankGoals, resolveTarget, stem, targetName, words, type AskTarget, type GoalRanking, type TargetChoice } from '../src/procedures/target.js';
import type { PlanTarget } from '../src/procedures/types.js';
import { runCli, SHIPPED, tempDir } from './support/cli.js';

const library = loadProcedures(SHIPPED);

/** A scripted person: records every question and answers with `answer`. */
function scripted(answer: (r: GoalRanking, all: PlanTarget[]) => TargetChoice): AskTarget & { asked: GoalRanking[] } {
  const asked: GoalRanking[] = [];
  const fn = async (r: GoalRanking, all: PlanTarget[]) => {
    asked.push(r);
    return answer(r, all);
  };
  return Object.assign(fn, { asked });
}

const NONSENSE = ['Ship a birthday cake to mum', 'Launch a marketing campaign', 'Change the office lightbulbs', 'Emergency hotfix for login outage'];
const ORIGINAL = ['Project Jupiter', 'Optimize Project Jupiter', 'Long-term planning'];

describe('meaningful words', () => {
  it('drops generic words and version numbers, and stems lightly', () => {
    expect(words('Optimize the new Project Jupiter plan v2.4')).toEqual(['jupiter']);
    expect(words('Long-term planning')).toEqual([]);
    expect(['deploying', 'deployed', 'deployment', 'deploy'].map(stem)).toEqual(['deploy', 'deploy', 'deploy', 'deploy']);
    expect(['release', 'releases', 'released'].map(stem)).toEqual(['releas', 'releas', 'releas']);
    expect(['shipping', 'ship', 'access', 'users'].map(stem)).toEqual(['ship', 'ship', 'access', 'user']);
  });
});

describe('rankGoals', () => {
  it("a clear goal is a strong match with its reason in the person's words", () => {
    const r = rankGoals(library, 'Deploy the orchestrator');
    expect(r.strength).toBe('strong');
    expect(targetName(r.candidates[0]!)).toBe('production-deployment/deploy-service');
    expect(r.candidates[0]!.matched).toEqual(['deploy', 'orchestrator']);
    expect(rankGoals(library, 'Patch the database servers').strength).toBe('strong');
    expect(targetName(rankGoals(library, 'Quarterly access review of the HR system').candidates[0]!)).toBe('access-review/quarterly-access-review');
  });

  it('nonsense goals that share one word with a procedure are weak, never strong', () => {
    const got = NONSENSE.map((g) => [g, rankGoals(library, g).strength]);
    expect(got).toEqual([
      ['Ship a birthday cake to mum', 'weak'],
      ['Launch a marketing campaign', 'weak'],
      ['Change the office lightbulbs', 'weak'],
      ['Emergency hotfix for login outage', 'none'],
    ]);
    expect(rankGoals(library, 'Ship a birthday cake to mum').candidates[0]!.matched).toEqual(['ship']);
  });

  it("the original design's goals match nothing (no generic word counts)", () => {
    for (const g of ORIGINAL) expect(rankGoals(library, g), g).toMatchObject({ strength: 'none', candidates: [] });
  });

  it('a long goal is strong on three declared keywords; two covering less than half is weak', () => {
    const patch = rankGoals(library, 'Apply the March security patches to the payment database servers');
    expect(patch.strength).toBe('strong');
    expect(patch.candidates[0]!.matched).toEqual(['patches', 'database', 'servers']);
    expect(rankGoals(library, 'Rotate the TLS certificate on the API gateway').strength).toBe('weak');
  });

  it('a keyword phrase holding a word the stop list drops ("roll out") matches only as written: a rollback is not a rollout', () => {
    const back = rankGoals(library, 'Roll back the payments service');
    // Before, "roll out" was read as "roll": the deploy goal matched strongly on "roll, service".
    expect(back.strength).toBe('weak');
    expect(back.candidates[0]!.matched).toEqual(['service']);
    const out = rankGoals(library, 'Rolling out the new billing service');
    expect(out.strength).toBe('strong');
    expect(out.candidates[0]!.matched).toEqual(['rolling', 'service']);
  });

  it('two goals matching about equally are close', () => {
    const r = rankGoals(library, 'Upgrade');
    expect(r.strength).toBe('close');
    expect(r.candidates.map(targetName).sort()).toEqual(['change-management/standard-change', 'production-deployment/deploy-service']);
  });
});

describe('resolveTarget', () => {
  it('uses a strong match without asking', async () => {
    const ask = scripted(() => ({ kind: 'cancel' }));
    const r = await resolveTarget(library, 'Deploy the orchestrator', ask);
    expect(r).toMatchObject({ kind: 'target', reason: 'matched: deploy, orchestrator' });
    expect(ask.asked).toHaveLength(0);
  });

  it("never maps a nonsense goal silently: one question, and the person's choice is kept", async () => {
    for (const g of NONSENSE) {
      const ask = scripted((_, all) => ({ kind: 'use', target: all.find((t) => t.goal.id === 'standard-change')! }));
      const r = await resolveTarget(library, g, ask);
      expect(ask.asked, g).toHaveLength(1);
      expect(r.kind === 'target' && targetName(r.target)).toBe('change-management/standard-change');
      expect(r.kind === 'target' && r.reason).toMatch(/by you$/);
    }
  });

  it("the original design's goals lead, in one prompt, to drafting new procedures (offered first)", async () => {
    for (const g of ORIGINAL) {
      const ask = scripted((r, all) => targetChoices(r, all)[0]!.value);
      expect(await resolveTarget(library, g, ask)).toEqual({ kind: 'new' });
      expect(ask.asked).toHaveLength(1);
      const choices = targetChoices(ask.asked[0]!, [...library.sets.flatMap((set) => set.goals.map((goal) => ({ set, goal })))]);
      expect(choices[0]!.name).toBe('Draft new procedures for this goal (jupiter procedures new)');
      // Every goal is still offered in the same list, and a way out.
      expect(choices.filter((c) => c.value.kind === 'use')).toHaveLength(3);
      expect(choices.at(-1)!.value).toEqual({ kind: 'cancel' });
    }
  });

  it('a close call lists the candidates first', async () => {
    const r = rankGoals(library, 'Upgrade');
    const choices = targetChoices(r, []);
    expect(choices.slice(0, 2).map((c) => c.value.kind)).toEqual(['use', 'use']);
  });

  it('unattended (no one to ask) refuses a doubtful match, naming the candidates and `procedures new`', async () => {
    await expect(resolveTarget(library, 'Ship a birthday cake to mum')).rejects.toThrow(
      /"Ship a birthday cake to mum" matches procedure goals only weakly \(candidates: production-deployment\/deploy-service \(matched: ship\)\): name one with --procedure <set>\/<goal>, or draft procedures with `jupiter procedures new "Ship a birthday cake to mum"`/,
    );
    await expect(resolveTarget(library, 'Project Jupiter')).rejects.toThrow(
      /no procedure goal matches "Project Jupiter" \(goals: access-review\/quarterly-access-review, change-management\/standard-change, production-deployment\/deploy-service\)/,
    );
    await expect(resolveTarget(library, 'Upgrade')).rejects.toThrow(/matches 2 procedure goals about equally/);
  });
});

describe('jupiter validate goal matching', () => {
  it('a plan file without procedure: is checked only against a clear match, else exit 2 naming the closest', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cake.yaml');
    writeFileSync(file, 'title: Ship a birthday cake to mum\nsteps:\n  - action: build-artifact\n');
    const r = await runCli(['validate', file, '--procedures', SHIPPED]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot tell which procedure this plan follows (closest: production-deployment/deploy-service)');
  });
});

describe('jupiter plan goal matching', () => {
  it('unattended: a weak or absent match exits 2 with the candidates, and nothing starts', async () => {
    const cwd = tempDir();
    for (const goal of [...NONSENSE, ...ORIGINAL]) {
      const r = await runCli(['plan', goal, '-n', '1', '--unattended', '--procedures', SHIPPED], { cwd });
      expect(r.code, goal).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('jupiter procedures new');
    }
    const second = await runCli(['plan', 'Launch a marketing campaign', '-n', '1', '--unattended', '--procedures', SHIPPED], { cwd });
    expect(second.stderr).toContain('candidates: production-deployment/deploy-service (matched: launch)');
  });

  it('shows the chosen goal and why; --procedure still fixes it', async () => {
    const cwd = tempDir();
    const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--unattended', '--procedures', SHIPPED], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'procedure goal: production-deployment/deploy-service — Deploy a new version of a service to production (matched: deploy, orchestrator)',
    );
    const fixed = await runCli(
      [
        'plan',
        'Change the office lightbulbs',
        '-n',
        '1',
        '-c',
        '0',
        '--unattended',
        '--procedures',
        SHIPPED,
        '--procedure',
        'change-management/standard-change',
      ],
      { cwd },
    );
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain('procedure goal: change-management/standard-change');
    expect(fixed.stdout).toContain('(named with --procedure)');
  });
});
