// The --json renderer: whole NDJSON lines, one write per turn of the event loop, progress every few dozen tokens; and
// the public, versioned schema every line fits (a real run's stream checked line by line), documented in the README.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { JSON_EVENTS_VERSION, JsonEventSchema } from '../src/cli/json-events.js';
import { jsonRenderer, PROGRESS_STEP_TOKENS } from '../src/cli/progress.js';
import { emptyProgress } from '../src/state/session.js';
import { ROOT, runCli, tempDir } from './support/cli.js';
import { fakeServers } from './support/fake-openai.js';

const { serve } = fakeServers();

const at = () => new Date('2026-01-01T00:00:00Z');

function capture() {
  const writes: string[] = [];
  const render = jsonRenderer((text) => writes.push(text), { now: at });
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

describe('the public --json schema', () => {
  it('every line carries the version and fits the schema; only the listed fields of an engine event are published', () => {
    const { render, lines } = capture();
    const reading = {
      text: 'Notify people first',
      constraints: [{ kind: 'required', id: 'r1', action: 'notify-stakeholders' }],
      lines: ['notify-stakeholders is required'],
      by: 'rules' as const,
    };
    render({ type: 'feedback-read', iteration: 2, reading: reading as never, confirmed: true, enforced: true });
    render({ type: 'validated', iteration: 2, valid: false, errors: 1, warnings: 0, findings: [{ severity: 'error', rule: 'goal', message: 'm' }] });
    render.pause();
    const out = lines() as unknown as Record<string, unknown>[];
    for (const e of out) expect(JsonEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    expect(out[0]).toEqual({
      v: JSON_EVENTS_VERSION,
      type: 'feedback-read',
      time: '2026-01-01T00:00:00.000Z',
      iteration: 2,
      text: 'Notify people first',
      rules: ['notify-stakeholders is required'],
      by: 'rules',
      confirmed: true,
      enforced: true,
    });
  });

  it('the stream of a real run (a model whose first answer fails and is repaired) validates line by line', async () => {
    const valid = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));
    const plan = JSON.parse(valid) as { steps: { action: string }[] };
    const invalid = JSON.stringify({ ...plan, steps: plan.steps.filter((s) => s.action !== 'run-tests') });
    const server = await serve((req) => ({
      content: req.index === 0 ? invalid : valid,
      usage: { prompt_tokens: 900, completion_tokens: 200, cached_tokens: 0 },
    }));
    const cwd = tempDir();
    const r = await runCli(
      [
        'plan',
        'Deploy the orchestrator',
        '--provider',
        'custom',
        '--base-url',
        server.url,
        '--model',
        'test-model',
        '--unattended',
        '-n',
        '3',
        '-c',
        '2',
        '--json',
      ],
      { cwd, env: { JUPITER_API_KEY: 'sk-test-json-0001' } },
    );
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    for (const e of events) {
      const checked = JsonEventSchema.safeParse(e);
      expect(checked.success, `${JSON.stringify(e)}: ${checked.error?.message}`).toBe(true);
    }
    const types = new Set(events.map((e) => (e as { type: string }).type));
    for (const t of [
      'session-started',
      'iteration-started',
      'recalled',
      'planner-progress',
      'plan-proposed',
      'validated',
      'repair',
      'iteration-finished',
      'checkpoint',
      'finished',
    ])
      expect(types, t).toContain(t);
  });

  it('the README documents every event type of the schema', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### The `--json` events'));
    for (const option of JsonEventSchema.options) expect(section, option.shape.type.value).toContain(`| \`${option.shape.type.value}\` |`);
  });
});
