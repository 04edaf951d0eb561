// Issue #10's offline acceptance: on every shipped goal the built-in planner's run improves and converges.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSession } from '../src/engine/loop.js';
import { newSession } from '../src/engine/session.js';
import { defaultSessionSettings } from '../src/config/settings-schema.js';
import { SessionStore } from '../src/engine/sessions.js';
import type { EngineEvent, Reviewer } from '../src/engine/types.js';
import { Memory } from '../src/memory/store.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { loadProcedures } from '../src/procedures/load.js';
import { compareScores, objectivesOf, type Score } from '../src/procedures/quality.js';
import { findTarget } from '../src/procedures/target.js';
import { SHIPPED, tempDir } from './support/cli.js';

const library = loadProcedures(SHIPPED);
const goals = library.sets.flatMap((s) => s.goals.map((g) => `${s.id}/${g.id}`));
const noPerson: Reviewer = {
  checkpoint: () => Promise.reject(new Error('unattended')),
  failure: () => Promise.reject(new Error('unattended')),
  confirmReading: () => Promise.reject(new Error('unattended')),
  patience: () => Promise.reject(new Error('unattended')),
};

describe('offline improvement on the shipped goals', () => {
  it.each(goals)('%s: valid at once, never worse, improves, no repeats, and a 1000-iteration run stops when converged', { timeout: 600_000 }, async (id) => {
    const target = findTarget(library, id);
    const objectives = objectivesOf(target);
    const dir = tempDir('jupiter-accept-');
    const memory = await Memory.open(dir);
    const store = new SessionStore(path.join(dir, 'sessions'));
    const state = newSession(
      's1',
      target.goal.description,
      target,
      defaultSessionSettings(SHIPPED, { iterations: 1000, checkpoint: 100, unattended: true, patience: 0 }),
      new Date(),
    );
    const events: EngineEvent[] = [];
    const result = await runSession(state, {
      planner: new BuiltinPlanner(),
      target,
      memory,
      store,
      reviewer: noPerson,
      emit: (e) => void events.push(e),
      signal: new AbortController().signal,
    });

    const finished = events.flatMap((e) => (e.type === 'iteration-finished' ? [e] : []));
    expect(result.exit).toBe('converged');
    expect(result.message).toMatch(/^converged: optimal for /);
    expect(finished.length).toBeLessThan(1000);
    expect(finished[0]!.outcome).toBe('improved');
    // The champion's score never gets worse, and improves at least once after the first plan.
    let best: Score | undefined;
    for (const f of finished) {
      if (f.outcome !== 'improved') continue;
      if (best) expect(compareScores(f.score!, best, objectives)).toBeLessThan(0);
      best = f.score!;
    }
    expect(finished.filter((f) => f.outcome === 'improved').length).toBeGreaterThanOrEqual(2);
    expect(finished.some((f) => f.outcome === 'repeat' || f.outcome === 'failed' || f.outcome === 'error')).toBe(false);
    expect(compareScores(result.state.champion!.score, best!, objectives)).toBe(0);
  });
});
