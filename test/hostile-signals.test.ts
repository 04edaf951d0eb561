// Signals during long synchronous work: the built-in search runs in a worker thread, so Ctrl-C, SIGTERM and SIGHUP
// are answered mid-search; each saves the session as `interrupted`, releases its lock and exits 128 + the signal.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { PlannerError, type PlanRequest } from '../src/planners/types.js';
import { WorkerPlanner } from '../src/planners/worker.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import type { PlanTarget } from '../src/procedures/types.js';
import { ROOT, SHIPPED, tempDir } from './support/cli.js';
import { spawnJson } from './support/spawn-events.js';

/** The compiled worker entry (a worker thread runs JavaScript, not the TypeScript vitest loads). */
const ENTRY = pathToFileURL(path.join(ROOT, 'dist', 'planners', 'worker.js'));

/**
 * A procedure whose goal every relaxed check calls reachable (so nothing refuses it up front) but no plan reaches:
 * `finish` needs `a` and `b`, and getting either removes the other. With `junk` independent actions the state
 * space is 2^junk: the search runs for hours, so a run that stops at all was stopped mid-search.
 */
function endlessProcedures(junk = 300): string {
  const dir = path.join(tempDir('jupiter-endless-'), 'procedures');
  mkdirSync(dir);
  const action = (id: string, requires: string[], provides: string[], removes: string[] = []) =>
    `  - id: ${id}\n    description: ${id}\n    requires: [${requires.join(', ')}]\n    provides: [${provides.join(', ')}]\n    removes: [${removes.join(', ')}]\n    role: operator`;
  const actions = [action('finish', ['a', 'b'], ['done']), action('get-a', ['start'], ['a'], ['b']), action('get-b', ['start'], ['b'], ['a'])];
  for (let i = 0; i < junk; i++) actions.push(action(`junk-${i}`, ['start'], [`j${i}`]));
  const yaml = [
    'id: endless',
    'name: Endless search',
    'description: no plan exists, and only an exhaustive search can tell',
    'initial: [start]',
    'goals:',
    '  - id: finish',
    '    description: Finish the endless thing',
    '    keywords: [endless]',
    '    facts: [done]',
    'actions:',
    ...actions,
    'rules: []',
    '',
  ];
  writeFileSync(path.join(dir, 'endless.yaml'), yaml.join('\n'));
  return dir;
}

function request(target: PlanTarget, signal: AbortSignal): PlanRequest {
  return {
    goalText: 'Deploy the orchestrator',
    target,
    iteration: 1,
    currentPlan: null,
    currentFindings: [],
    champion: null,
    objectives: [],
    seen: new Set(['x']),
    recall: { items: [], tokens: 0, budget: 4000, total: 0 },
    feedback: ['add notify-stakeholders'],
    signal,
  };
}

describe('WorkerPlanner: the built-in planner off the main thread', () => {
  it('returns exactly what the built-in planner returns', async () => {
    const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
    const planner = new WorkerPlanner({ entry: ENTRY });
    try {
      const direct = await new BuiltinPlanner().propose(request(target, new AbortController().signal));
      const viaWorker = await planner.propose(request(target, new AbortController().signal));
      expect(viaWorker).toEqual(direct);
      // The worker is reused for the next request.
      expect(await planner.propose(request(target, new AbortController().signal))).toEqual(direct);
    } finally {
      planner.stop();
    }
  });

  it('a planner error crosses the thread as a PlannerError of the same kind', async () => {
    const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
    const impossible: PlanTarget = { ...target, goal: { ...target.goal, facts: ['no-action-provides-this'] } };
    const planner = new WorkerPlanner({ entry: ENTRY });
    try {
      const err = await planner.propose(request(impossible, new AbortController().signal)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlannerError);
      expect(err).toMatchObject({ kind: 'no-plan', message: expect.stringMatching(/no action provides `no-action-provides-this`/) });
    } finally {
      planner.stop();
    }
  });

  it('an endless search leaves the main thread free, and an abort ends it; the next request gets a fresh worker', async () => {
    const endless = findTarget(loadProcedures(endlessProcedures(120)), 'endless/finish');
    const planner = new WorkerPlanner({ entry: ENTRY });
    try {
      const controller = new AbortController();
      let settled = false;
      const pending = planner.propose(request(endless, controller.signal)).finally(() => (settled = true));
      // The main thread's event loop keeps turning while the worker searches.
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(settled).toBe(false);
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'PlannerError', kind: 'aborted' });
      const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
      const again = await planner.propose(request(target, new AbortController().signal));
      expect(again.plan.steps.length).toBeGreaterThan(3);
    } finally {
      planner.stop();
    }
  });

  it('an already-aborted request never reaches the worker', async () => {
    const controller = new AbortController();
    controller.abort();
    const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
    await expect(new WorkerPlanner({ entry: ENTRY }).propose(request(target, controller.signal))).rejects.toMatchObject({ kind: 'aborted' });
  });
});

describe('signals stop a run mid-search: saved, unlocked, exit 128 + signal', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} during an endless built-in search exits ${code} with the session interrupted and its lock released`, async () => {
      const cwd = tempDir('jupiter-signal-');
      const run = spawnJson(['plan', 'Finish the endless thing', '-n', '3', '-c', '0', '--unattended', '--procedures', endlessProcedures()], { cwd });
      // `recalled` is emitted right before the planner is called: the search is starting or under way.
      await run.waitFor((e) => e.type === 'recalled');
      run.child.kill(signal);
      const exit = await run.exited;
      expect(exit, run.stderr()).toEqual({ code, signal: null });
      expect(run.stderr()).toMatch(/Stopping after saving…/);
      expect(run.stderr()).toMatch(/Interrupted after 0 iterations; memory is up to date\./);
      const sessions = path.join(cwd, 'memory', 'sessions');
      const files = readdirSync(sessions);
      expect(files.filter((n) => n.endsWith('.lock'))).toEqual([]);
      const yaml = files.find((n) => n.endsWith('.json'))!;
      expect(parse(readFileSync(path.join(sessions, yaml), 'utf8'))).toMatchObject({ status: 'interrupted', progress: { completed: 0 } });
      // Interrupted mid-search: no iteration was committed.
      const log = path.join(cwd, 'memory', 'execution_log.md');
      expect(existsSync(log) ? readFileSync(log, 'utf8') : '').not.toContain('jupiter:entry');
      expect(run.events.map((e) => e.type)).toContain('finished');
    });
  }
});
