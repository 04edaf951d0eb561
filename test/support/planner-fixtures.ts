// A small procedure set and plan requests shared by the prompt, planner and injection tests.
import type { PlanRequest } from '../../src/planners/types.js';
import type { PlanTarget, ProcedureSet } from '../../src/procedures/types.js';

export const miniDeploySet: ProcedureSet = {
  id: 'deploy',
  name: 'Production deployment',
  description: 'Ship a service to production safely.',
  file: 'deploy.yaml',
  initial: ['code-ready'],
  goals: [],
  actions: [
    {
      id: 'run-tests',
      description: 'Run the test suite',
      requires: ['code-ready'],
      provides: ['tests-passed'],
      removes: [],
      fields: ['owner', 'evidence'],
      role: 'developer',
    },
    {
      id: 'approve-change',
      description: 'Change board approves',
      requires: ['tests-passed'],
      provides: ['change-approved'],
      removes: [],
      fields: ['owner'],
      role: 'change-manager',
    },
    {
      id: 'deploy',
      description: 'Deploy to production',
      requires: ['change-approved'],
      provides: ['deployed'],
      removes: ['code-ready'],
      fields: ['owner', 'evidence'],
      role: 'operator',
    },
    { id: 'verify', description: 'Smoke-test production', requires: ['deployed'], provides: ['verified'], removes: [], fields: ['evidence'] },
  ],
  rules: [
    { id: 'tests-first', kind: 'ordering', severity: 'error', before: 'run-tests', after: 'deploy', description: 'never ship untested code' },
    { id: 'four-eyes', kind: 'segregation', severity: 'error', actions: ['approve-change', 'deploy'] },
    { id: 'short', kind: 'max-steps', severity: 'warning', max: 6 },
  ],
};

export const miniDeployTarget: PlanTarget = {
  set: miniDeploySet,
  goal: { id: 'ship', description: 'Service running in production', keywords: ['deploy'], facts: ['deployed', 'verified'] },
};

/** A first-iteration request with nothing recalled; override what a test needs. */
export function planRequest(target: PlanTarget, over: Partial<PlanRequest> = {}): PlanRequest {
  return {
    goalText: 'Deploy the orchestrator',
    target,
    iteration: 1,
    currentPlan: null,
    currentFindings: [],
    champion: null,
    objectives: ['steps'],
    seen: new Set<string>(),
    recall: { items: [], tokens: 0, budget: 4000, total: 0 },
    feedback: [],
    signal: new AbortController().signal,
    ...over,
  };
}
