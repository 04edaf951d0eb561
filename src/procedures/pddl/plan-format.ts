// Plans in the form VAL and PDDL planners use: one `(action arg1 arg2)` per line, `;` comments.
import { InputError } from '../../core/errors.js';
import type { Plan } from '../../core/plan.js';

/** A step of a PDDL plan file, with the line it came from. */
export interface PddlStep {
  name: string;
  args: string[];
  line: number;
}

// Planners print `0: (a b)`, `0.001: (a b) [1]` or just `(a b)`, in any case, and VAL reads several on one line.
const ONE = String.raw`(?:\d+(?:\.\d+)?\s*:\s*)?\(\s*([^()\s]+)((?:\s+[^()\s]+)*)\s*\)\s*(?:\[\s*\d+(?:\.\d+)?\s*\])?\s*`;
const STEP = new RegExp(String.raw`^\s*(?:${ONE})+$`);
const EACH = new RegExp(ONE, 'g');

/** Whether a file looks like a PDDL plan rather than YAML or JSON: its first meaningful line is a step. */
export function looksLikePddlPlan(text: string): boolean {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    if (line) return STEP.test(line);
  }
  // Only comments (or nothing): the empty plan, as planners write it when the start already meets the goal.
  return text.trim() === '' || text.trim().startsWith(';');
}

function parsePddlSteps(text: string, file: string): PddlStep[] {
  const steps: PddlStep[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/;.*$/, '');
    if (!line.trim()) return;
    const m = STEP.exec(line);
    if (!m) throw new InputError(`not a plan step: expected "(action arg1 arg2 ...)", got "${line.trim().slice(0, 60)}"`, { file, line: i + 1 });
    for (const one of line.matchAll(EACH))
      steps.push({ name: one[1]!.toLowerCase(), args: one[2]!.trim() ? one[2]!.trim().toLowerCase().split(/\s+/) : [], line: i + 1 });
  });
  return steps;
}

/** The action id a PDDL step names: `(drive t1 a b)` is `drive.t1.a.b` (as `procedures import` grounds it). */
const stepActionId = (s: { name: string; args: string[] }): string => [s.name, ...s.args].join('.');

/** Reads a PDDL plan file's text into a plan whose steps name ground action ids. */
export function parsePddlPlan(text: string, file: string, title: string): Plan {
  const steps = parsePddlSteps(text, file);
  return { title, summary: '', steps: steps.map((s) => ({ action: stepActionId(s) })) };
}

/**
 * Writes a plan in VAL's form. Ids map back by splitting on "." (PDDL names cannot hold one); `notes` become `;`
 * comment lines at the top, so the file stays a valid plan for VAL and planners.
 */
export function formatPddlPlan(plan: Plan, notes: string[] = []): string {
  const head = [plan.title, ...notes].map((n) => `; ${n.replace(/\n/g, ' ')}`);
  const body = plan.steps.map((s) => `(${s.action.split('.').join(' ')})`);
  return [...head, ...body, ''].join('\n');
}
