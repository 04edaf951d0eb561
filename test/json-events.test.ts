// The --json renderer: whole NDJSON lines, one write per turn of the event loop, progress every few dozen tokens.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { jsonRenderer, PROGRESS_STEP_TOKENS } from '../src/cli/progress.js';
import { emptyProgress } from '../src/state/session.js';

const at = () => new Date('2026-01-01T00:00:00Z');

function capture() {
  const writes: string[] = [];
  const render = jsonRenderer((text) => writes.push(text), at);
  const lines = () =>
    writes
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; tokens?: number });
  return { writes, render, lines };
}

describe('--json events', () => {
  it('the events of one turn go out in one write of whole lines, when the turn ends', async () => {
    const { writes, render, lines } = capture();
    render({ type: 'iteration-started', iteration: 1, total: 5 });
    render({ type: 'recalled', iteration: 1, tokens: 10, budget: 100, items: 1, total: 2, leftOut: [] });
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.endsWith('\n')).toBe(true);
    expect(lines().map((e) => e.type)).toEqual(['iteration-started', 'recalled']);
    render({ type: 'warning', message: 'x' });
    await nextTurn();
    expect(writes).toHaveLength(2);
  });

  it('pause (before a prompt, at the end of a run) and the finished event write at once', () => {
    const { writes, render, lines } = capture();
    render({ type: 'warning', message: 'a' });
    render.pause();
    expect(lines().map((e) => e.type)).toEqual(['warning']);
    render({ type: 'warning', message: 'b' });
    render({
      type: 'finished',
      session: 's',
      status: 'completed',
      progress: emptyProgress(),
      usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
    });
    expect(writes).toHaveLength(2);
    expect(lines().map((e) => e.type)).toEqual(['warning', 'warning', 'finished']);
  });

  it('a key in any event of a batch is redacted', () => {
    const { writes, render } = capture();
    render({ type: 'warning', message: 'first' });
    render({ type: 'warning', message: 'server said: invalid key sk-abcdefghijklmnop1234' });
    render.pause();
    expect(writes.join('')).not.toContain('sk-abcdefghijklmnop1234');
    expect(writes.join('')).toContain('[redacted]');
  });

  it('streaming progress: the first of each answer, then one per PROGRESS_STEP_TOKENS tokens', () => {
    const { render, lines } = capture();
    for (let t = 1; t <= 200; t++) render({ type: 'planner-progress', iteration: 1, tokens: t });
    // A repair's answer streams from zero again; so does the next iteration's.
    for (let t = 1; t <= 10; t++) render({ type: 'planner-progress', iteration: 1, tokens: t });
    render({ type: 'planner-progress', iteration: 2, tokens: 5 });
    render.pause();
    expect(lines().map((e) => e.tokens)).toEqual([1, 1 + PROGRESS_STEP_TOKENS, 1 + 2 * PROGRESS_STEP_TOKENS, 1 + 3 * PROGRESS_STEP_TOKENS, 1, 5]);
  });
});
