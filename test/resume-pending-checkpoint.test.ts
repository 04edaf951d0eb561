// A checkpoint a person never answered (Ctrl-C or a kill at its prompt) is asked again on resume with what it had to
// show: the improvements since the checkpoint before it, not "No improvement since the last checkpoint".
import { describe, expect, it } from 'vitest';
import type { CheckpointContext } from '../src/engine/types.js';
import { tempDir } from './support/cli.js';
import { runDeploySession, ScriptedReviewer } from './support/deploy-session.js';

describe('a pending checkpoint asked again on resume', () => {
  it('shows the improvements since the checkpoint before it', async () => {
    const dir = tempDir('jupiter-pending-cp-');
    const first = await runDeploySession(dir, 's1', { iterations: 2, checkpoint: 0, reviewer: new ScriptedReviewer(() => ({ kind: 'stop' })) });
    await first.memory.close();
    const improved = first.state.improvements.map((c) => c.iteration);
    expect(improved.length).toBeGreaterThan(0);
    // As a process killed at the prompt of its checkpoint after iteration 2 (of 4, every 2) leaves it.
    const state = { ...first.state, status: 'interrupted' as const, settings: { ...first.state.settings, iterations: 4, checkpoint: 2 } };
    state.pendingDecision = { kind: 'checkpoint', iteration: 2 };
    const asked: CheckpointContext[] = [];
    const again = await runDeploySession(dir, 's1', {
      iterations: 4,
      checkpoint: 2,
      state,
      reviewer: new ScriptedReviewer((ctx) => {
        asked.push(ctx);
        return { kind: 'stop' };
      }),
    });
    await again.memory.close();
    expect(asked[0]?.iteration).toBe(2);
    expect(asked[0]?.since).toBe(0);
    expect(asked[0]?.improvements.map((c) => c.iteration)).toEqual(improved);
  });
});
