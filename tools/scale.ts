// Procedures at scale for `npm run bench`: generated sets of about 2,000 ground actions with a 60-step plan, timed
// for loading, validation and the built-in planner's search.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plan } from '../src/core/plan.js';
import { searchPlan } from '../src/planners/search.js';
import { loadProcedures } from '../src/procedures/load.js';
import { importPddl } from '../src/procedures/pddl/import.js';
import { findTarget } from '../src/procedures/target.js';
import { validatePlan } from '../src/procedures/validate.js';

const STAGES = 60;
const ROUTES = 16;

/**
 * An organisation-shaped set: 60 stages in sequence, each done by its standard action or by one of 16 alternative
 * routes (a preparation step, then the alternative), plus 20 audit actions; rules of every kind. 60 × 33 + 20 = 2,000
 * actions; the shortest plan is the 60 standard actions.
 */
function stagedSetYaml(): string {
  const lines = [
    'id: scale-staged',
    'name: Generated staged procedure (2,000 actions)',
    'initial: [stage-0-done]',
    'goals:',
    '  - id: finish',
    '    keywords: [scale]',
    `    facts: [stage-${STAGES}-done]`,
    'actions:',
  ];
  for (let k = 1; k <= STAGES; k++) {
    const before = `stage-${k - 1}-done`;
    lines.push(
      `  - { id: stage-${k}, requires: [${before}], provides: [stage-${k}-done], role: team-${k % 7}, duration: ${1 + (k % 4)}h, cost: ${10 * (k % 5)} }`,
    );
    for (let j = 1; j <= ROUTES; j++) {
      lines.push(`  - { id: prepare-${k}-${j}, requires: [${before}], provides: [prep-${k}-${j}], role: team-${(k + j) % 7}, duration: 30m }`);
      lines.push(
        `  - { id: stage-${k}-route-${j}, requires: [${before}, prep-${k}-${j}], provides: [stage-${k}-done], removes: [prep-${k}-${j}], role: team-${(k + j + 1) % 7}, duration: 2h }`,
      );
    }
  }
  for (let a = 1; a <= 20; a++) lines.push(`  - { id: audit-${a}, requires: [stage-${a * 3}-done], provides: [audited-${a}], role: auditor, duration: 1h }`);
  lines.push(
    'rules:',
    '  - { id: stage-ten-first, kind: ordering, before: stage-10, after: stage-50 }',
    '  - { id: stage-thirty-required, kind: required, action: stage-30 }',
    '  - { id: no-route-one, kind: forbidden, action: stage-7-route-1 }',
    '  - { id: five-and-six-apart, kind: segregation, actions: [stage-5, stage-6] }',
    '  - { id: bounded, kind: max-steps, max: 90 }',
    '',
  );
  return lines.join('\n');
}

/**
 * A logistics problem from the PDDL importer: a road of 12 places, 3 trucks, 26 parcels; grounds to about 2,000
 * actions. Trucks must fetch parcels from the far end: a puzzle, unlike a procedure, and hard for an h_max search.
 */
function logisticsPddl(): { domain: string; problem: string } {
  const domain = `(define (domain haul)
  (:requirements :strips :typing)
  (:types place truck parcel)
  (:predicates (at ?t - truck ?p - place) (road ?a - place ?b - place) (parcel-at ?x - parcel ?p - place) (in ?x - parcel ?t - truck))
  (:action drive :parameters (?t - truck ?a - place ?b - place) :precondition (and (at ?t ?a) (road ?a ?b)) :effect (and (not (at ?t ?a)) (at ?t ?b)))
  (:action load :parameters (?x - parcel ?t - truck ?p - place) :precondition (and (at ?t ?p) (parcel-at ?x ?p)) :effect (and (not (parcel-at ?x ?p)) (in ?x ?t)))
  (:action unload :parameters (?x - parcel ?t - truck ?p - place) :precondition (and (at ?t ?p) (in ?x ?t)) :effect (and (not (in ?x ?t)) (parcel-at ?x ?p))))`;
  const places = Array.from({ length: 12 }, (_, i) => `p${i + 1}`);
  const parcels = Array.from({ length: 26 }, (_, i) => `x${i + 1}`);
  const roads = places.slice(1).flatMap((p, i) => [`(road ${places[i]} ${p})`, `(road ${p} ${places[i]})`]);
  // Four parcels wait at the far end and must reach the start; the rest are already where they belong.
  const init = ['(at t1 p1)', '(at t2 p1)', '(at t3 p6)', ...roads, ...parcels.map((x, i) => `(parcel-at ${x} ${i < 4 ? 'p12' : places[i % 12]})`)];
  const goal = parcels.slice(0, 4).map((x) => `(parcel-at ${x} p1)`);
  const problem = `(define (problem haul-26) (:domain haul)
  (:objects ${places.join(' ')} - place t1 t2 t3 - truck ${parcels.join(' ')} - parcel)
  (:init ${init.join(' ')})
  (:goal (and ${goal.join(' ')})))`;
  return { domain, problem };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Wall and CPU time of one call: on a shared machine CPU time is the fairer number (wall time includes waiting for a core). */
const time = <T>(fn: () => T): { ms: number; cpuMs: number; value: T } => {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(c);
  return { ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000, value };
};

interface ScaleRow {
  set: string;
  actions: number;
  planSteps: number;
  loadMs: number;
  loadCpuMs: number;
  validateMs: number;
  valid: boolean;
  searchMs: number;
  searchCpuMs: number;
  search: string;
}

function measure(name: string, dir: string, plan: Plan | undefined, maxExpansions: number): ScaleRow {
  const loads = Array.from({ length: 5 }, () => time(() => loadProcedures(dir)));
  const library = loads[0]!.value;
  const target = findTarget(library, library.sets[0]!.id);
  const found = time(() => searchPlan(target, { maxExpansions }));
  const result = found.value;
  const planned: Plan | undefined = plan ?? (result.found ? { title: name, summary: '', steps: result.actions.map((action) => ({ action })) } : undefined);
  let validateMs = NaN;
  let valid = false;
  if (planned) {
    for (let i = 0; i < 20; i++) validatePlan(planned, target); // warm up
    const runs = Array.from({ length: 200 }, () => time(() => validatePlan(planned, target)));
    validateMs = median(runs.map((r) => r.ms));
    valid = runs[0]!.value.valid;
  }
  return {
    set: name,
    actions: target.set.actions.length,
    planSteps: planned?.steps.length ?? 0,
    loadMs: median(loads.map((l) => l.ms)),
    loadCpuMs: median(loads.map((l) => l.cpuMs)),
    validateMs,
    valid,
    searchMs: found.ms,
    searchCpuMs: found.cpuMs,
    search: result.found ? `plan of ${result.actions.length} steps, ${result.expanded} expanded` : `${result.reason} (${result.expanded} expanded)`,
  };
}

export function benchScale(): ScaleRow[] {
  const root = mkdtempSync(path.join(os.tmpdir(), 'jupiter-bench-scale-'));
  const staged = path.join(root, 'staged');
  const haul = path.join(root, 'haul');
  for (const d of [staged, haul]) mkdirSync(d);
  writeFileSync(path.join(staged, 'staged.yaml'), stagedSetYaml());
  const stagedPlan: Plan = {
    title: 'all stages',
    summary: '',
    steps: Array.from({ length: STAGES }, (_, i) => ({ action: `stage-${i + 1}`, owner: `team-${(i + 1) % 7}` })),
  };
  stagedPlan.steps[5]!.owner = 'someone else'; // stage-6 apart from stage-5 (segregation)
  const { domain, problem } = logisticsPddl();
  writeFileSync(path.join(root, 'haul-domain.pddl'), domain);
  writeFileSync(path.join(root, 'haul-problem.pddl'), problem);
  const imported = importPddl(path.join(root, 'haul-domain.pddl'), path.join(root, 'haul-problem.pddl'), path.join(haul, 'haul.yaml'));
  writeFileSync(path.join(haul, 'haul.yaml'), imported.yaml);
  // The logistics search is bounded: unbounded, h_max A* ran 200,000 expansions (over 5 minutes) without a plan.
  // A hand-made logistics plan: t1 drives to the far end, loads the four parcels, drives back, unloads (30 steps).
  const road = (from: number, to: number) =>
    Array.from({ length: Math.abs(to - from) }, (_, i) => (to > from ? `drive.t1.p${from + i}.p${from + i + 1}` : `drive.t1.p${from - i}.p${from - i - 1}`));
  const haulSteps = [...road(1, 12), ...[1, 2, 3, 4].map((x) => `load.x${x}.t1.p12`), ...road(12, 1), ...[1, 2, 3, 4].map((x) => `unload.x${x}.t1.p1`)];
  const haulPlan: Plan = { title: 'fetch four parcels', summary: '', steps: haulSteps.map((action) => ({ action })) };
  return [measure('staged procedure (generated YAML)', staged, stagedPlan, 200_000), measure('logistics (PDDL import)', haul, haulPlan, 5_000)];
}
