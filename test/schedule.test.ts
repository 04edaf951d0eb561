import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { formatDuration, ganttLines, schedulePlan } from '../src/procedures/schedule.js';
import type { ActionDef, PlanTarget, ProcedureSet, Rule } from '../src/procedures/types.js';

const H = 60;

function target(actions: Partial<ActionDef>[], rules: Rule[] = [], initial: string[] = []): PlanTarget {
  const set: ProcedureSet = {
    id: 's',
    name: 's',
    description: '',
    file: 'mem',
    initial,
    goals: [{ id: 'g', description: 'g', keywords: [], facts: ['done'] }],
    actions: actions.map((a) => ({
      id: a.id!,
      description: '',
      requires: a.requires ?? [],
      provides: a.provides ?? [],
      removes: a.removes ?? [],
      fields: [],
      ...a,
    })),
    rules,
  };
  return { set, goal: set.goals[0]! };
}

const plan = (...steps: [string, string][]): Plan => ({ title: 't', summary: '', steps: steps.map(([action, owner]) => ({ action, owner })) });

describe('schedulePlan', () => {
  it('runs independent steps in parallel and chains causal links: makespan is the critical path', () => {
    const t = target([
      { id: 'build', provides: ['built'], duration: 1 * H },
      { id: 'test', requires: ['built'], provides: ['tested'], duration: 2 * H },
      { id: 'scan', requires: ['built'], provides: ['scanned'], duration: 3 * H },
      { id: 'ship', requires: ['tested', 'scanned'], provides: ['done'], duration: 30 },
    ]);
    const s = schedulePlan(plan(['build', 'a'], ['test', 'b'], ['scan', 'c'], ['ship', 'd']), t);
    expect(s.steps.map((x) => [x.action, x.start, x.end])).toEqual([
      ['build', 0, 60],
      ['test', 60, 180],
      ['scan', 60, 240],
      ['ship', 240, 270],
    ]);
    expect(s.makespan).toBe(270);
  });

  it('runs the steps of one owner one at a time, in plan order', () => {
    const t = target([
      { id: 'build', provides: ['built'], duration: 1 * H },
      { id: 'test', requires: ['built'], provides: ['tested'], duration: 2 * H },
      { id: 'scan', requires: ['built'], provides: ['scanned'], duration: 3 * H },
      { id: 'ship', requires: ['tested', 'scanned'], provides: ['done'], duration: 30 },
    ]);
    const s = schedulePlan(plan(['build', 'a'], ['test', 'QA'], ['scan', 'qa '], ['ship', 'd']), t);
    expect(s.steps.map((x) => [x.start, x.end])).toEqual([
      [0, 60],
      [60, 180],
      [180, 360],
      [360, 390],
    ]);
    expect(s.makespan).toBe(390);
    // Without an owner a step occupies its action's role.
    const roles = target([
      { id: 'x', provides: ['p'], duration: 10, role: 'ops' },
      { id: 'y', provides: ['done'], duration: 10, role: 'ops' },
    ]);
    expect(schedulePlan({ title: 't', summary: '', steps: [{ action: 'x' }, { action: 'y' }] }, roles).makespan).toBe(20);
  });

  it('orders a step that removes a fact after the steps that need it, and before its re-adder (threats)', () => {
    const t = target(
      [
        { id: 'use-token', requires: ['token'], provides: ['used'], duration: 2 * H },
        { id: 'revoke', removes: ['token'], provides: ['revoked'], duration: 1 * H },
        { id: 'reissue', provides: ['token'], duration: 10 },
        { id: 'finish', requires: ['token', 'used', 'revoked'], provides: ['done'], duration: 10 },
      ],
      [],
      ['token'],
    );
    const s = schedulePlan(plan(['use-token', 'a'], ['revoke', 'b'], ['reissue', 'c'], ['finish', 'd']), t);
    // revoke waits for use-token (it removes what use-token needs); reissue waits for revoke; finish for all.
    expect(s.steps.map((x) => [x.start, x.end])).toEqual([
      [0, 120],
      [120, 180],
      [180, 190],
      [190, 200],
    ]);
  });

  it('honours ordering and immediately-after rules as precedence', () => {
    const t = target(
      [
        { id: 'notify', provides: ['notified'], duration: 1 * H },
        { id: 'deploy', provides: ['done'], duration: 2 * H },
        { id: 'announce', provides: ['announced'], duration: 30 },
      ],
      [
        { id: 'o', kind: 'ordering', before: 'notify', after: 'deploy', severity: 'error' },
        { id: 'i', kind: 'immediately-after', action: 'announce', after: 'deploy', severity: 'error' },
      ],
    );
    const s = schedulePlan(plan(['notify', 'a'], ['deploy', 'b'], ['announce', 'c']), t);
    expect(s.steps.map((x) => [x.start, x.end])).toEqual([
      [0, 60],
      [60, 180],
      [180, 210],
    ]);
    expect(s.makespan).toBe(210);
  });

  it('gives zero makespan when no action declares a duration', () => {
    const t = target([{ id: 'a', provides: ['done'] }]);
    expect(schedulePlan(plan(['a', 'x'], ['a', 'x']), t).makespan).toBe(0);
  });
});

describe('formatDuration and ganttLines', () => {
  it('formats minutes as days, hours and minutes', () => {
    expect(formatDuration(45)).toBe('45m');
    expect(formatDuration(2 * 1440 + 6 * H)).toBe('2d 6h');
    expect(formatDuration(90)).toBe('1h 30m');
    expect(formatDuration(0)).toBe('0m');
    expect(formatDuration(1440 + 5)).toBe('1d 5m');
  });

  it('draws one line per step with its bar over the makespan, start and end', () => {
    const t = target([
      { id: 'build', provides: ['built'], duration: 2 * H },
      { id: 'security-scan', requires: ['built'], provides: ['scanned'], duration: 4 * H },
      { id: 'ship', requires: ['scanned'], provides: ['done'], duration: 4 * H },
    ]);
    const lines = ganttLines(schedulePlan(plan(['build', 'a'], ['security-scan', 'b'], ['ship', 'c']), t), 10);
    expect(lines).toEqual([
      '  1 build          ██········  +0m → +2h',
      '  2 security-scan  ··████····  +2h → +6h',
      '  3 ship           ······████  +6h → +10h',
    ]);
  });
});

describe('jupiter validate shows a valid plan as a schedule', () => {
  it('prints the score and one Gantt line per step with start and end', async () => {
    const { runCli, ROOT, SHIPPED } = await import('./support/cli.js');
    const path = await import('node:path');
    const r = await runCli(['validate', path.join(ROOT, 'examples', 'deploy-plan.yaml'), '--procedures', SHIPPED]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('score: makespan 3d 7h 15m · cost 2050 · steps 12');
    expect(r.stdout).toContain('schedule (makespan 3d 7h 15m; steps of one owner run one at a time):');
    // Staged rollout starts when staging is verified and takes two days.
    expect(r.stdout).toMatch(/^ 10 deploy-production {4}[·█]{24} {2}\+1d 4h 45m → \+3d 4h 45m$/m);
    expect(r.stdout.split('\n').filter((l) => /^ {1,2}\d+ \S+ +[·█]{24} {2}\+/.test(l))).toHaveLength(12);
  });
});
