// Plans in the form VAL and PDDL planners use: one `(action arg1 arg2)` per line, `;` comments.
import { InputError } from '../../core/errors.js';
import type { Plan } from '../../core/plan.js';

/** A step of a PDDL plan file, with the line it came from. */
export interface PddlStep {
  name: string;
  args: string[];
  line: number;
}

// Planners print `0: (a b)`, `0.001: (a b) [1]` or just `(a b)`, in any case; VAL reads the file as a stream of
// tokens, so several steps may share a line and one step may span lines.
const ONE = String.raw`(?:\d+(?:\.\d+)?\s*:\s*)?\(\s*([^()\s]+)((?:\s+[^()\s]+)*)\s*\)\s*(?:\[\s*\d+(?:\.\d+)?\s*\])?\s*`;

/** The text with its `;` comments blanked (line breaks kept, so an offset still tells its line). */
const uncommented = (text: string) => text.replace(/;[^\n]*/g, '');

/** The step at `at` in `body` (a sticky match, possibly across lines), or null. */
function stepAt(body: string, at: number): RegExpExecArray | null {
  const one = new RegExp(ONE, 'y');
  one.lastIndex = at;
  return one.exec(body);
}

/** Whether a file looks like a PDDL plan rather than YAML or JSON: it starts (after comments) with a step, or is empty. */
export function looksLikePddlPlan(text: string): boolean {
  const body = uncommented(text);
  const at = body.search(/\S/);
  // Only comments (or nothing): the empty plan, as planners write it when the start already meets the goal.
  if (at < 0) return text.trim() === '' || text.trim().startsWith(';');
  return stepAt(body, at) !== null;
}

function parsePddlSteps(text: string, file: string): PddlStep[] {
  const body = uncommented(text);
  const steps: PddlStep[] = [];
  // Lines counted as the scan moves on (a long plan stays linear).
  let line = 1;
  let counted = 0;
  const lineOf = (at: number) => {
    for (; counted < at; counted++) if (body.charCodeAt(counted) === 10) line++;
    return line;
  };
  for (let at = body.search(/\S|$/); at < body.length; ) {
    const m = stepAt(body, at);
    if (!m) {
      const got = body.slice(at).split('\n')[0]!.trim().slice(0, 60);
      throw new InputError(`not a plan step: expected "(action arg1 arg2 ...)", got "${got}"`, { file, line: lineOf(at) });
    }
    const args = m[2]!.trim();
    steps.push({ name: m[1]!.toLowerCase(), args: args ? args.toLowerCase().split(/\s+/) : [], line: lineOf(at) });
    at += m[0].length;
  }
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
