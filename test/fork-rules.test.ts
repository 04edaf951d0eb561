// The human rules a fork runs under: its goal's and its own, and the session rules its parent had made by the fork
// point (not those made after it), as human_rules.md holds them.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSessionSettings } from '../src/config/settings-schema.js';
import { forksAbove, rulesInForce } from '../src/engine/fork.js';
import { newSession } from '../src/engine/session.js';
import { readFeedback } from '../src/feedback/read.js';
import { Memory } from '../src/memory/store.js';
import type { ReviewRecord } from '../src/memory/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import type { SessionState } from '../src/state/session.js';
import { SHIPPED, tempDir } from './support/cli.js';

const deploy = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
const GOAL = { procedure: 'production-deployment', goalId: 'deploy-service' };

function rejection(session: string, iteration: number, reason: string, scope: 'session' | 'goal'): ReviewRecord {
  const reading = readFeedback(reason, deploy);
  expect(reading.constraints.length, reason).toBeGreaterThan(0);
  const time = new Date(Date.UTC(2025, 0, 1, 0, iteration)).toISOString();
  return {
    session,
    iteration,
    time,
    goalText: 'Deploy',
    ...GOAL,
    kind: 'rejection',
    reason,
    constraints: reading.constraints,
    confirmed: true,
    scope,
    plan: null,
  };
}

const session = (id: string, fork?: { parent: string; forkPoint: number }): SessionState => ({
  ...newSession(id, 'Deploy', deploy, defaultSessionSettings(SHIPPED), new Date(0)),
  ...fork,
});

describe('rules in force for a fork', () => {
  it("keeps the parent's session rules made by the fork point, not later ones, nor those a person deleted", async () => {
    const dir = tempDir('jupiter-fork-rules-');
    const memory = await Memory.open(dir);
    await memory.commitReview(rejection('p', 2, 'Attach evidence to the staging deployment', 'session'));
    await memory.commitReview(rejection('p', 3, 'Run the security scan before the tests', 'goal'));
    await memory.commitReview(rejection('p', 5, 'Never deploy to staging', 'session'));
    await memory.commitReview(rejection('other', 1, 'Notify stakeholders before approving the release', 'session'));
    await memory.flush();
    const states = new Map([['p', session('p')]]);
    const fork = session('f', { parent: 'p', forkPoint: 3 });
    const forks = await forksAbove(fork, async (id) => states.get(id)!);
    const kinds = async () => (await (await rulesInForce(memory, fork, forks))({ ...GOAL, session: 'f' })).map((r) => r.kind).sort();
    // The staging evidence (iteration 2, the parent's session) and the goal's ordering; not iteration 5's, nor another session's.
    expect(await kinds()).toEqual(['ordering', 'required-fields']);
    // The parent itself runs under all of its own.
    expect((await (await rulesInForce(memory, states.get('p')!, new Map()))({ ...GOAL, session: 'p' })).map((r) => r.kind).sort()).toEqual([
      'forbidden',
      'ordering',
      'required-fields',
    ]);
    // A person deleted the parent's evidence rule from human_rules.md: the fork does not bring it back.
    const file = path.join(dir, 'human_rules.md');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => !l.includes('must fill evidence'))
        .join('\n'),
    );
    expect(await kinds()).toEqual(['ordering']);
    await memory.close();
  });
});
