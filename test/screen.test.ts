// The screen a person reads at 80 columns: nothing printed is erased or cut, and every iteration has a line.
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/run.js';
import { Chalk } from 'chalk';
import { humanRenderer } from '../src/cli/progress.js';
import type { StatusLine } from '../src/cli/live-status.js';
import { makeCli } from '../src/cli/io.js';
import type { EngineEvent } from '../src/engine/types.js';
import { runReport } from '../src/cli/run-report.js';
import { newSession } from '../src/engine/session.js';
import type { PlanTarget } from '../src/procedures/types.js';
import { cleanEnv, ROOT, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, type Reply } from './support/fake-openai.js';
import { Terminal } from './support/terminal.js';

const { serve } = fakeServers();
const SETTINGS = {
  iterations: 10,
  checkpoint: 0,
  unattended: true,
  provider: 'builtin',
  contextBudget: 1000,
  proceduresDir: 'p',
  patience: 0,
  repairs: 2,
  maxFailures: 1,
  candidates: 1,
};
const PLAN = readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8');
const SAME_PLAN: Reply = { content: JSON.stringify(parse(PLAN)), usage: { prompt_tokens: 100, completion_tokens: 50 } };

/** `jupiter <args>` in this process with stdout a terminal `columns` wide: the exit code and the screen. */
async function onTerminal(args: string[], columns: number, cwd: string): Promise<{ code: number; screen: string; errors: string }> {
  const stdout = new Terminal(columns);
  const stderr = new Terminal(columns);
  const code = await run(args, { stdout, stderr, stdin: Readable.from(['']), env: cleanEnv(), cwd, signals: new EventEmitter() });
  return { code, screen: stdout.text(), errors: stderr.text() };
}

describe('the screen at 80 columns', () => {
  it('keeps the header and every iteration line in scrollback, whole (wrapped, not cut)', async () => {
    const server = await serve(() => SAME_PLAN);
    const cwd = tempDir('jupiter-screen-');
    const goal = 'Deploy the orchestrator with a goal long enough that its header line has to wrap at eighty columns';
    const model = ['--provider', 'custom', '--base-url', server.url, '--model', 'test-model'];
    const { code, screen, errors } = await onTerminal(
      [
        'plan',
        goal,
        '-n',
        '8',
        '-c',
        '4',
        '--patience',
        '0',
        '--unattended',
        '--procedures',
        SHIPPED,
        '--procedure',
        'production-deployment/deploy-service',
        ...model,
      ],
      80,
      cwd,
    );
    expect(errors).toBe('');
    expect(code).toBe(0);
    const lines = screen.split('\n');
    // The header: the goal whole, the session id, the planner line, each once.
    expect(lines).toContain(`jupiter · ${goal} → production-deployment/deploy-service`);
    expect(lines.filter((l) => /^session \d{8}-\d{6}-/.test(l))).toHaveLength(1);
    expect(screen).toMatch(/^planner: custom · test-model at http:\/\/127\.0\.0\.1:\d+\/v1 · up to 8 iterations · checkpoint every 4 iterations$/m);
    // Every iteration has a line; the repeats are folded into counter lines, before and after the checkpoint.
    expect(screen).toMatch(/^▲ Iteration 1: first valid plan · makespan .* · 150 tokens · cost unknown$/m);
    expect(lines).toContain('· Iterations 2–4: valid, a plan already proposed (3 repeats)');
    expect(lines).toContain('· Iterations 5–8: valid, a plan already proposed (4 repeats)');
    const order = ['▲ Iteration 1', '· Iterations 2–4', '◆ Checkpoint after iteration 4', '· Iterations 5–8', 'Done.'];
    const at = order.map((o) => lines.findIndex((l) => l.startsWith(o)));
    expect(at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1]!))).toBe(true);
    // Nothing cut to the width, and the status line is gone from the screen at the end.
    expect(screen).not.toContain('…\n');
    expect(screen).not.toMatch(/Iteration \d+ · (recalling|proposing|validating|repeat)/);
  });
});

describe('the start of a session', () => {
  it('lists the human rules in force for its goal from human_rules.md, and none of another goal or session', async () => {
    const cwd = tempDir('jupiter-rules-');
    const memory = path.join(cwd, 'memory');
    mkdirSync(memory);
    const goal = 'goal production-deployment/deploy-service';
    const lines = [
      '# Human rules',
      '',
      `- never use notify-stakeholders · ${goal} · confirmed · "no announcements"`,
      `- run-tests before security-scan · ${goal} · confirmed · "tests first"`,
      '- never use run-tests · session 20260101-000000-other-0000 · confirmed · "another session"',
      '',
    ];
    writeFileSync(path.join(memory, 'human_rules.md'), lines.join('\n'));
    const args = ['plan', 'Deploy the orchestrator', '-n', '1', '--unattended', '--procedures', SHIPPED];
    const { code, screen, errors } = await onTerminal(args, 80, cwd);
    expect(errors).toBe('');
    expect(code).toBe(0);
    const shown = screen.split('\n');
    const at = shown.indexOf('Rules in force from human_rules.md (2):');
    expect(at).toBeGreaterThan(shown.findIndex((l) => l.startsWith('planner: ')));
    expect(shown.slice(at + 1, at + 3)).toEqual(['  • never use notify-stakeholders', '  • run-tests before security-scan']);
    expect(screen).not.toContain('never use run-tests');
    expect(shown.findIndex((l) => l.startsWith('▲ Iteration 1'))).toBeGreaterThan(at + 2);
  });

  it('says nothing about rules when human_rules.md holds none', async () => {
    const { code, screen } = await onTerminal(
      ['plan', 'Deploy the orchestrator', '-n', '1', '--unattended', '--procedures', SHIPPED],
      80,
      tempDir('jupiter-rules-'),
    );
    expect(code).toBe(0);
    expect(screen).not.toContain('Rules in force');
  });
});

/** A status line that records what was printed above it. */
function recordingStatus(printed: string[]): StatusLine {
  return { set: () => {}, print: (l) => void printed.push(l), stop: () => {} };
}

const finished = (iteration: number, outcome: Extract<EngineEvent, { type: 'iteration-finished' }>['outcome'], repairs = 0): EngineEvent => ({
  type: 'iteration-finished',
  iteration,
  outcome,
  errors: outcome === 'failed' ? 1 : 0,
  objectives: ['makespan'],
  repairs,
  candidates: 1,
  latencyMs: 0,
});

/** The run's renderer on an 80-column terminal, unattended, without colour; the lines it prints go to `printed`. */
function renderAt80(printed: string[]) {
  const cli = makeCli({
    stdout: new Terminal(80),
    stderr: new Terminal(80),
    stdin: Readable.from(['']),
    env: cleanEnv(),
    cwd: ROOT,
    signals: new EventEmitter(),
  });
  return humanRenderer({ ...cli, color: new Chalk({ level: 0 }) }, { plannerLabel: 'test', unattended: true }, recordingStatus(printed));
}

describe('iteration lines on a live terminal', () => {
  it('every outcome shows: quiet ones in a row fold into one counter line, the rest have their own', () => {
    const printed: string[] = [];
    const render = renderAt80(printed);
    const outcomes = [
      'improved',
      'repeat',
      'repeat',
      'worse',
      'worse',
      'worse',
      'alternative',
      'repeat',
      'failed',
      'error',
      'rejected-before',
      'repeat',
    ] as const;
    outcomes.forEach((o, i) => render(finished(i + 1, o)));
    render(finished(13, 'repeat', 1)); // repaired: its own line
    render(finished(14, 'alternative'));
    render.pause(); // a prompt is coming: what is folded goes out first
    const text = printed.join('\n');
    expect(printed.map((l) => l.replace(/ · context.*$/, ''))).toEqual([
      '▲ Iteration 1: first valid plan',
      '· Iterations 2–3: valid, a plan already proposed (2 repeats)',
      '✔ Iterations 4–6: valid, not better than the best so far (3 not better)',
      '= Iteration 7: valid, as good as the best so far',
      '· Iteration 8: valid, a plan already proposed',
      '✖ Iteration 9: failed validation · 1 error',
      '✖ Iteration 10: the planner failed',
      '✖ Iteration 11: valid, but you rejected this plan before (same steps, same schedule): not approved',
      '· Iteration 12: valid, a plan already proposed',
      '· Iteration 13: valid, a plan already proposed after 1 repair',
      '= Iteration 14: valid, as good as the best so far',
    ]);
    expect(text).not.toContain('Iteration 15');
  });
});

describe('no message twice in a row', () => {
  it('a line that comes again is said once, then counted when something else is said (or before a prompt)', () => {
    const printed: string[] = [];
    const render = renderAt80(printed);
    const warn = (message: string): EngineEvent => ({ type: 'warning', message });
    render(warn('the endpoint is slow'));
    render(warn('the endpoint is slow'));
    render(warn('the endpoint is slow'));
    render(finished(1, 'failed'));
    render(warn('the endpoint is slow'));
    render(warn('the endpoint is slow'));
    render.pause();
    expect(printed.map((l) => l.replace(/ · context.*$/, ''))).toEqual([
      '! the endpoint is slow',
      '  (the line above, 2 more times)',
      '✖ Iteration 1: failed validation · 1 error',
      '! the endpoint is slow',
      '  (the line above, 1 more time)',
    ]);
    for (let i = 1; i < printed.length; i++) expect(printed[i]).not.toBe(printed[i - 1]);
  });
});

describe('what the end of a run and an iteration line say', () => {
  it('an iteration line counts all its calls (repairs included), not its last', () => {
    const printed: string[] = [];
    const render = renderAt80(printed);
    const usage = (n: number) => ({ promptTokens: n, completionTokens: n / 2, cachedTokens: 0 });
    render({ type: 'plan-proposed', iteration: 1, plan: { title: 't', summary: '', steps: [] }, mode: 'json_schema', usage: usage(100) });
    render({ ...(finished(1, 'failed', 2) as Extract<EngineEvent, { type: 'iteration-finished' }>), usage: usage(300) });
    expect(printed).toEqual(['✖ Iteration 1: failed validation · 1 error after 2 repairs · 450 tokens · cost unknown']);
  });

  it('a run whose champion a person rejected does not say "No valid plan yet"', () => {
    const state = newSession('s', 'Deploy', { set: { id: 'p' }, goal: { id: 'g' } } as unknown as PlanTarget, SETTINGS, new Date(0));
    state.progress = { ...state.progress, completed: 10, approved: 1, improved: 1, repeats: 9 };
    state.rejectedChampion = { iteration: 10, reason: 'no', planId: 'a', score: { makespan: 1, cost: 1, risk: 0, steps: 1 } };
    const lines = runReport(state, null, ['steps'], new Chalk({ level: 0 }));
    expect(lines).toContain('No plan stands: you rejected the champion at iteration 10, and no other valid plan stands.');
    expect(lines.join('\n')).not.toContain('No valid plan yet');
  });
});
