// The runbook a plan is exported as: one zod schema (the JSON format, documented in the README) and its builder.
import { z } from 'zod';
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import { redactSecrets } from '../core/secrets.js';
import { safeText } from '../core/text.js';
import { ruleLine } from '../feedback/rule-text.js';
import { criticalSteps, stepDependencies } from '../procedures/dependencies.js';
import { formatScore, type Score } from '../procedures/quality.js';
import { schedulePlan } from '../procedures/schedule.js';
import { countFindings } from '../procedures/validate.js';
import type { Objective, PlanTarget, Rule } from '../procedures/types.js';

const RUNBOOK_SCHEMA = 'jupiter.runbook/1';

const StepSchema = z.object({
  step: z.number().int().min(1).describe('1-based step number (the row reference other steps depend on)'),
  action: z.string().describe('action id from the procedure set'),
  description: z.string(),
  role: z.string().describe("the action's role in the procedure set ('' when none)"),
  assignee: z.string().describe("who does it: the step's owner, else the role"),
  evidence: z.string().describe("what proves the step was done ('' when none)"),
  start: z.number().describe('minutes from the plan start'),
  end: z.number().describe('minutes from the plan start'),
  dependsOn: z.array(z.number().int().min(1)).describe('step numbers this step waits for'),
  critical: z.boolean().describe('on the critical path'),
});

const RuleSchema = z.object({ id: z.string(), text: z.string(), severity: z.enum(['error', 'warning']), origin: z.enum(['procedure', 'human']) });

const ReviewSchema = z.object({
  session: z.string().describe("the session it was made in (a fork's line includes its parent's, up to the fork point)"),
  iteration: z.number().int(),
  kind: z.enum(['human-approval', 'rejection', 'override', 'checkpoint']),
  who: z.string().describe('who decided, as far as the log knows'),
  why: z.string(),
  when: z.string().describe('ISO time'),
});

export const RunbookSchema = z.object({
  schema: z.literal(RUNBOOK_SCHEMA),
  session: z.object({
    id: z.string(),
    goal: z.string(),
    status: z.string(),
    fork: z
      .object({
        parent: z.string(),
        forkPoint: z.number().int().describe("the last of the parent's iterations the fork took (its iterations 1..forkPoint are the line's)"),
      })
      .nullable()
      .describe('where the session branched (`resume --from N --fork`); null when it is not a fork'),
  }),
  procedure: z.object({ id: z.string(), name: z.string(), version: z.string().describe('sha256 of the procedure set, 12 hex') }),
  goal: z.object({ id: z.string(), description: z.string() }),
  plan: z.object({
    title: z.string(),
    summary: z.string(),
    iteration: z.number().int().describe('iteration that proposed it'),
    source: z.enum(['champion', 'iteration']),
  }),
  objectives: z.array(z.enum(['makespan', 'cost', 'risk', 'steps'])),
  score: z.object({ makespan: z.number(), cost: z.number(), risk: z.number(), steps: z.number(), text: z.string() }),
  makespan: z.number().describe('minutes'),
  steps: z.array(StepSchema),
  rules: z.array(RuleSchema).describe('every rule the plan was checked against (procedure and human)'),
  humanRules: z.array(z.string()).describe('human rules in force for this session and goal (a fork: those it inherited included)'),
  inheritedRules: z.array(z.string()).describe('of humanRules, those a fork inherited: session rules its line made before it branched'),
  reviews: z.array(ReviewSchema),
  validation: z.object({
    jupiter: z.string().describe('jupiter version that re-validated the plan at export'),
    validatedAt: z.string(),
    valid: z.boolean(),
    errors: z.number().int(),
    warnings: z.number().int(),
    findings: z.array(z.string()),
  }),
});
export type Runbook = z.infer<typeof RunbookSchema>;
export type RunbookStep = Runbook['steps'][number];

/** What the runbook is built from: the plan, where it was checked, and what the log says about it. */
export interface RunbookInput {
  session: { id: string; goalText: string; status: string; fork: { parent: string; forkPoint: number } | null };
  target: PlanTarget;
  /** The target with the human rules in force joined (what the plan is validated against). */
  checked: PlanTarget;
  humanRules: Rule[];
  /** Of `humanRules`, those a fork inherited from its line. */
  inheritedRules: Rule[];
  procedureVersion: string;
  plan: Plan;
  iteration: number;
  source: 'champion' | 'iteration';
  objectives: Objective[];
  score: Score;
  validation: ValidationResult;
  reviews: Runbook['reviews'];
  jupiter: string;
  now: Date;
}

/** Exported text, as the terminal shows it: no control or invisible characters, no secrets. */
const clean = (text: unknown, singleLine = true): string => safeText(redactSecrets(String(text ?? '')), singleLine).trim();

const ruleText = (r: Rule) => clean(r.kind === 'required-fields' && r.description ? r.description : ruleLine(r));

function stepsOf(input: RunbookInput): { steps: RunbookStep[]; makespan: number } {
  const schedule = schedulePlan(input.plan, input.checked);
  const deps = stepDependencies(input.plan, input.checked);
  const critical = criticalSteps(schedule, deps);
  const roles = new Map(input.target.set.actions.map((a) => [a.id, a.role ?? '']));
  const steps = input.plan.steps.map((s, i): RunbookStep => {
    const role = clean(roles.get(s.action) ?? '');
    const timed = schedule.steps[i]!;
    return {
      step: i + 1,
      action: clean(s.action),
      description: clean(s.description ?? ''),
      role,
      assignee: clean(s.owner ?? '') || role,
      evidence: clean(s.evidence ?? ''),
      start: timed.start,
      end: timed.end,
      dependsOn: deps[i]!,
      critical: critical.has(i + 1),
    };
  });
  return { steps, makespan: schedule.makespan };
}

const forkOf = (f: RunbookInput['session']['fork']) => (f ? { parent: clean(f.parent), forkPoint: f.forkPoint } : null);

/** `a fork of session P after iteration N (iterations 1–N inherited, the rest its own)`, or '' for a session that is not a fork. */
export function forkText(book: Runbook): string {
  const f = book.session.fork;
  if (!f) return '';
  const inherited = f.forkPoint === 0 ? '' : f.forkPoint === 1 ? 'iteration 1 inherited, ' : `iterations 1–${f.forkPoint} inherited, `;
  return `a fork of session ${f.parent} after iteration ${f.forkPoint} (${inherited}the rest its own)`;
}

/** Which plan this is, and whose: a fork's plan from before its fork point is its parent's (inherited), not its own. */
export function planText(book: Runbook): string {
  const { plan, session } = book;
  const what = `the ${plan.source === 'champion' ? 'champion' : 'plan'} of iteration ${plan.iteration}`;
  return session.fork && plan.iteration <= session.fork.forkPoint
    ? `${what}, inherited from session ${session.fork.parent}`
    : `${what} of session ${session.id}`;
}

/** A human rule as the runbook lists it: an inherited one says so. */
export function humanRuleText(book: Runbook, rule: string): string {
  return book.inheritedRules.includes(rule) && book.session.fork ? `${rule} (inherited: in force when it branched from ${book.session.fork.parent})` : rule;
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "1 error, 2 warnings": the re-validation's counts in words. */
export function findingCounts(v: { errors: number; warnings: number }): string {
  return `${count(v.errors, 'error')}, ${count(v.warnings, 'warning')}`;
}

/** A finding on one line; the step is named once (most rules' messages already open with "step N:"). */
function findingText(f: Finding): string {
  const where = f.step && !f.message.startsWith(`step ${f.step}:`) ? `step ${f.step}: ` : '';
  return clean(`${f.severity}: ${where}${f.message} [${f.rule}]`);
}

export function buildRunbook(input: RunbookInput): Runbook {
  const { errors, warnings } = countFindings(input.validation);
  return {
    schema: RUNBOOK_SCHEMA,
    session: { id: clean(input.session.id), goal: clean(input.session.goalText), status: input.session.status, fork: forkOf(input.session.fork) },
    procedure: { id: clean(input.target.set.id), name: clean(input.target.set.name), version: input.procedureVersion },
    goal: { id: clean(input.target.goal.id), description: clean(input.target.goal.description) },
    plan: { title: clean(input.plan.title), summary: clean(input.plan.summary, false), iteration: input.iteration, source: input.source },
    objectives: input.objectives,
    score: { ...input.score, text: formatScore(input.score, input.objectives) },
    ...stepsOf(input),
    rules: input.checked.set.rules.map((r) => ({ id: clean(r.id), text: ruleText(r), severity: r.severity, origin: r.origin ?? 'procedure' })),
    humanRules: input.humanRules.map(ruleText),
    inheritedRules: input.inheritedRules.map(ruleText),
    reviews: input.reviews.map((r) => ({ ...r, session: clean(r.session), who: clean(r.who), why: clean(r.why) })),
    validation: {
      jupiter: input.jupiter,
      validatedAt: input.now.toISOString(),
      valid: input.validation.valid,
      errors,
      warnings,
      findings: input.validation.findings.map(findingText),
    },
  };
}
