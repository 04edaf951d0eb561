// The terminal's words and numbers: plurals, spans, durations, colour levels, the status line and which events get a line.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/engine/types.js';
import { eventLine, fitWidth, headerLines } from '../src/cli/event-lines.js';
import { duration, plural, progressLine, span } from '../src/cli/format.js';
import { colorLevel } from '../src/cli/io.js';
import { RunStats, statusText } from '../src/cli/run-stats.js';
import { emptyProgress } from '../src/state/session.js';
import { tempDir } from './support/cli.js';
import { runDeploySession, ScriptedReviewer } from './support/deploy-session.js';

const plain = new Chalk({ level: 0 });
const usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
const progress = { ...emptyProgress(), completed: 5, approved: 1, improved: 1, repeats: 4, firstTryValid: 5 };

describe('words and numbers', () => {
  it('plurals: 1 iteration, 2 iterations, 1,000 rules', () => {
    expect(plural(1, 'iteration')).toBe('1 iteration');
    expect(plural(2, 'iteration')).toBe('2 iterations');
    expect(plural(1000, 'rule')).toBe('1,000 rules');
    expect(plural(0, 'step')).toBe('0 steps');
  });

  it('the counter line: one error is "1 error"', () => {
    expect(progressLine({ ...emptyProgress(), completed: 1, errors: 1 })).toBe('1 completed · 0 approved · 0 failed · 0 rejected · 1 error · success 0%');
    expect(progressLine({ ...emptyProgress(), completed: 2, errors: 2 })).toContain(' · 2 errors · ');
  });

  it('chart spans: one iteration is a number, not 1–1', () => {
    expect(span(1, 1)).toBe('1');
    expect(span(1, 10)).toBe('1–10');
  });

  it('durations for a status line', () => {
    expect(duration(950)).toBe('950ms');
    expect(duration(4200)).toBe('4.2s');
    expect(duration(185_000)).toBe('3m 05s');
    expect(duration(7_620_000)).toBe('2h 07m');
  });

  it('NO_COLOR wins over a terminal; a pipe gets no colour; FORCE_COLOR=0 too', () => {
    const tty = { isTTY: true } as NodeJS.WritableStream & { isTTY: boolean };
    const pipe = {} as NodeJS.WritableStream;
    expect(colorLevel({ NO_COLOR: '1' }, tty)).toBe(0);
    expect(colorLevel({}, tty)).toBe(1);
    expect(colorLevel({}, pipe)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: '0' }, tty)).toBe(0);
    expect(colorLevel({ TERM: 'dumb' }, tty)).toBe(0);
  });
});

describe('the header', () => {
  it('keeps the whole goal, session and planner: a long line wraps, nothing is cut', () => {
    const e: Extract<EngineEvent, { type: 'session-started' }> = {
      type: 'session-started',
      session: `20260101-000000-${'x'.repeat(60)}`,
      goalText: 'Deploy the orchestrator '.repeat(20),
      procedure: 'production-deployment',
      goalId: 'deploy-service',
      planner: 'custom',
      iterations: 1000,
      checkpoint: 25,
      resumedFrom: 400,
      humanRules: [],
    };
    const label = `custom · ${'m'.repeat(80)} at http://127.0.0.1:8000/v1`;
    const lines = headerLines(e, { plannerLabel: label, unattended: false }, plain);
    expect(lines).toEqual([
      `jupiter · ${e.goalText} → production-deployment/deploy-service`,
      `session ${e.session} · resuming after iteration 400`,
      `planner: ${label} · up to 1,000 iterations · checkpoint every 25 iterations`,
    ]);
  });

  it('fitWidth leaves short text alone', () => {
    expect(fitWidth('short', 160)).toBe('short');
  });
});

describe('event lines', () => {
  const checkpoint = (iteration: number, final = false): EngineEvent => ({ type: 'checkpoint', iteration, progress, usage, awaited: false, final });

  it('an unattended checkpoint says the run goes on only when it does', () => {
    expect(eventLine(checkpoint(5), { checkpoint: 5 }, plain)).toMatch(/ \(unattended: recorded, continuing\)$/);
    expect(eventLine(checkpoint(10, true), { checkpoint: 5 }, plain)).toMatch(/ \(unattended: recorded\)$/);
  });

  it('-c 0: the end of the run is no "Checkpoint after iteration 5"', () => {
    expect(eventLine(checkpoint(5), { checkpoint: 0 }, plain)).toBeNull();
    expect(eventLine(checkpoint(5), { checkpoint: 5 }, plain)).toMatch(/^◆ Checkpoint after iteration 5: /);
    // A run that ended early (converged at 3 with checkpoints every 5) did not reach a checkpoint.
    expect(eventLine(checkpoint(3), { checkpoint: 5 }, plain)).toBeNull();
  });

  it('decisions in words, naming the plan reviewed', () => {
    const say = (e: Omit<Extract<EngineEvent, { type: 'decision' }>, 'type'>) => eventLine({ type: 'decision', ...e }, { checkpoint: 0 }, plain);
    const champion3 = { kind: 'champion' as const, iteration: 3 };
    expect(say({ iteration: 3, decision: 'human-approval', plan: champion3 })).toBe('✔ You approved the champion of iteration 3');
    expect(say({ iteration: 5, decision: 'rejection', reason: 'Name the SRE', plan: champion3 })).toBe(
      '✖ You rejected the champion of iteration 3 (at iteration 5): "Name the SRE"',
    );
    expect(say({ iteration: 6, decision: 'rejection', reason: 'Build first', plan: { kind: 'proposal', iteration: 6 } })).toBe(
      '✖ You rejected the plan of iteration 6: "Build first"',
    );
    expect(say({ iteration: 6, decision: 'override', reason: 'ok', plan: { kind: 'proposal', iteration: 6 } })).toBe(
      '! You accepted the invalid plan of iteration 6 (an override, never learned from): "ok"',
    );
    // Nothing proposed yet: the reason is feedback for the next plan, not the rejection of one.
    expect(say({ iteration: 2, decision: 'rejection', reason: 'Name the SRE' })).toBe('✖ Your feedback at iteration 2: "Name the SRE"');
  });

  it('"Finish" at the final checkpoint is said as finishing, not as going on', async () => {
    const dir = tempDir('jupiter-finish-');
    const decisions: string[] = [];
    const emit = (e: EngineEvent) => {
      if (e.type === 'decision') decisions.push(eventLine(e, { checkpoint: 1 }, plain)!);
    };
    const { memory } = await runDeploySession(dir, 's-finish', {
      iterations: 2,
      checkpoint: 1,
      reviewer: new ScriptedReviewer(() => ({ kind: 'continue' })),
      emit,
    });
    await memory.close();
    expect(decisions).toEqual(['  → continuing after iteration 1', '  → finished after iteration 2']);
  });

  it('a pause is said once, by the prompt or the closing line, not also as an event line', () => {
    expect(eventLine({ type: 'paused', iteration: 2, reason: 'planner-error', message: 'timeout: no answer' }, { checkpoint: 0 }, plain)).toBeNull();
  });

  it('the finished line counts in words', () => {
    expect(eventLine({ type: 'finished', session: 's', status: 'stopped', progress: { ...progress, completed: 1 }, usage }, { checkpoint: 0 }, plain)).toMatch(
      /^Session stopped after 1 iteration\. /,
    );
  });
});

describe('the status line', () => {
  it('done/total, rate, elapsed, ETA, last latency, cost so far and projected, from events and an injected clock', () => {
    let now = 0;
    const stats = new RunStats(() => now);
    stats.observe({
      type: 'session-started',
      session: 's',
      goalText: 'g',
      procedure: 'p',
      goalId: 'g',
      planner: 'x',
      iterations: 10,
      checkpoint: 0,
      resumedFrom: null,
      humanRules: [],
    });
    for (let i = 1; i <= 2; i++) {
      stats.observe({ type: 'iteration-started', iteration: i, total: 10 });
      now += 6000;
      stats.observe({
        type: 'iteration-finished',
        iteration: i,
        outcome: 'repeat',
        errors: 0,
        objectives: [],
        repairs: 0,
        candidates: 1,
        latencyMs: 5000,
        costUsd: 0.01,
        usage: { promptTokens: 100, completionTokens: 10, cachedTokens: 0 },
      });
    }
    const s = stats.snapshot();
    expect(s).toMatchObject({ done: 2, total: 10, elapsedMs: 12_000, lastLatencyMs: 5000, costUnknown: false });
    expect(s.perMinute).toBeCloseTo(10);
    expect(s.etaMs).toBeCloseTo(48_000);
    expect(s.projectedUsd).toBeCloseTo(0.1);
    expect(statusText(s)).toBe('2/10 · 10/min · 12.0s elapsed · ETA 48.0s · last 5.0s · $0.0200 → ~$0.1000');
  });

  it('a model without a price says cost unknown instead of $0.0000', () => {
    const stats = new RunStats(() => 0);
    stats.observe({
      type: 'session-started',
      session: 's',
      goalText: 'g',
      procedure: 'p',
      goalId: 'g',
      planner: 'x',
      iterations: 3,
      checkpoint: 0,
      resumedFrom: null,
      humanRules: [],
    });
    stats.observe({
      type: 'iteration-finished',
      iteration: 1,
      outcome: 'improved',
      errors: 0,
      objectives: [],
      repairs: 0,
      candidates: 1,
      latencyMs: 10,
      usage: { promptTokens: 100, completionTokens: 10, cachedTokens: 0 },
    });
    expect(statusText(stats.snapshot())).toContain('cost unknown');
    expect(statusText(stats.snapshot())).not.toContain('$');
  });
});
