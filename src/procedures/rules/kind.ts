// What a rule kind is: one module per kind (this folder) holds everything about it, and rules/index.ts lists them.
// The validator, lint, the procedure loader, the model's prompt, people's phrasing, human_rules.md, the feedback
// reader and the built-in planner all ask a kind through this interface instead of switching on `rule.kind`.
import { z } from 'zod';
import type { Finding, Plan, Severity } from '../../core/plan.js';
import type { People } from '../people.js';
import { describeEdit, type PlanEdit } from '../plan-edit.js';
import type { ProcedureSet, Rule, SourceRef } from '../types.js';

/** What every rule has besides its content. */
export interface RuleBase {
  id: string;
  severity: Severity;
  description?: string;
  source?: SourceRef;
  /** `human`: compiled from a person's feedback (kept in memory, not in the procedure files). */
  origin?: 'procedure' | 'human';
}

/** An action id as a rule line writes it, and as the log must hold it. */
export const ID = '[a-z0-9][a-z0-9._-]*';
export const actionId = z.string().regex(new RegExp(`^${ID}$`));

/** What a fix edits, beside its text (what insights apply to check what they claim), and the fact it is about. */
export interface FixEdit {
  edit?: PlanEdit;
  fact?: string;
}

/** What a kind's check sees besides the plan: the set, who is who, the states the simulation reached, the fixes so far. */
export interface RuleContext {
  set: ProcedureSet;
  people: People;
  /** Facts holding before each step the simulation reached (see validate.ts). */
  states: Set<string>[];
  fixes: Map<Finding, FixEdit>;
}

/** A procedure file's rule mapping as a kind's reader sees it: its own keys, and where to say what is wrong. */
export interface RuleFields {
  /** A text key, reported when missing. */
  text(key: string): string | undefined;
  /** A list of texts (empty when absent). */
  list(key: string): string[];
  has(key: string): boolean;
  /** A scalar key as a number (NaN when it is none). */
  number(key: string): number;
  /** Reports `rule "<id>": <message>` at the key's line (else the rule's) and gives undefined: the rule is not read. */
  fail(message: string, key?: string): undefined;
}

/** What rules ask of a plan in the terms the built-in planner searches with (each kind adds what it asks). */
export interface PlanDemands<R> {
  forbid: string[];
  require: string[];
  /** [before, after]: `before` must occur before any `after`. */
  order: [string, string][];
  /** [action, after]: `action` must come as the very next step after `after`. */
  rightAfter: [string, string][];
  /** Steps of an action go to this owner. */
  owners: { action: string; owner: string; rule: R }[];
  /** Steps of the two actions go to different people. */
  apart: { actions: [string, string]; rule: R }[];
  maxSteps: number[];
}

/** A field of the model reader's JSON answer: an action id (an enum of the set's), free text, or a count. */
type ReadingField = 'action' | 'text' | 'count';

/** How the model reader reads this kind: the line its instructions give, the answer's fields, and the body they make. */
interface ModelReading<B> {
  /** `- <kind>: ...` in the reader's instructions. */
  instruction: string;
  fields: Record<string, ReadingField>;
  /** The body of one answer item; `action` gives the id when the value is a known action, else undefined. */
  body(item: Record<string, unknown>, action: (v: unknown) => string | undefined): B | undefined;
}

/** A rule's content: the rule without its id, severity, description, source and origin. */
export type BodyOf<R extends RuleBase> = Omit<R, keyof RuleBase>;

/** One rule kind, whole. `R` is its rule type; a body is the rule's content (what a person's words read into). */
export interface RuleKindDef<R extends RuleBase & { kind: string }> {
  kind: R['kind'];
  /** Its content as the log holds it (checked field by field: a person could have edited the log). */
  schema: z.ZodType<BodyOf<R>>;
  /** The keys a procedure file's rule of this kind may have besides id, kind, severity and description. */
  keys: readonly string[];
  /** Its keys as the procedure-drafting prompt names them ("actions: [a, b]"). */
  draftFields: string;
  /** Reads its content from a procedure file's rule (problems go to `fields.fail`). */
  read(fields: RuleFields): Omit<BodyOf<R>, 'kind'> | undefined;
  /** The content that makes two rules the same rule (hashed into a human rule's id). */
  identity(body: BodyOf<R>): string;
  /** The action ids it names. */
  actions(body: BodyOf<R>): string[];
  /** A procedure rule that contradicts itself or another rule of the set, in words (lint). */
  lint?(rule: R, set: ProcedureSet): string | undefined;
  /** Whether no plan can obey both this rule and `other` when it uses their actions (always X / never X). */
  contradicts?(rule: R, other: Rule): boolean;
  /** Its one canonical line in human_rules.md ("a before b"), and the pattern that reads a line back. */
  line(body: BodyOf<R>): string;
  lineForm: { re: RegExp; body(m: RegExpExecArray): BodyOf<R> | undefined };
  /** Examples of its line forms, for the people reading human_rules.md. */
  forms: readonly string[];
  /** The rule in plain words for the person confirming it. */
  sentence(body: BodyOf<R>): string;
  /** The rule as the planner model's prompt states it. */
  forModel(rule: R): string;
  /** Set when a model may read people's feedback into this kind. */
  reading?: ModelReading<BodyOf<R>>;
  /** The findings of this rule on a plan (every one, not just the first). */
  check(rule: R, plan: Plan, ctx: RuleContext): Finding[];
  /** Fields it reports itself, as `<step>:<field>` (the simulation's own missing-field finding leaves them to it). */
  covers?(rule: R, plan: Plan): string[];
  /** Whether it is about which steps a plan has and their order (not owners or fields): insights and memory staleness use these. */
  aboutSteps: boolean;
  /** What it asks of a plan, for the built-in planner; absent when the planner meets it anyway (it fills fields). */
  demands?(rule: R, into: PlanDemands<R>): void;
}

export const filled = (v: unknown) => v !== undefined && v !== null && String(v).trim() !== '';

/** Steps (0-based) whose action is `id`. */
export function stepsOf(plan: Plan, id: string): number[] {
  const out: number[] = [];
  plan.steps.forEach((s, i) => s.action === id && out.push(i));
  return out;
}

/** A finding's start: the rule's id and severity; `why` is its description as a suffix. */
export function findingBase(rule: RuleBase): { base: Pick<Finding, 'severity' | 'rule'>; why: string } {
  return { base: { severity: rule.severity, rule: rule.id }, why: rule.description ? ` (${rule.description})` : '' };
}

/** A finding whose fix is an edit (its text said from the edit), else the text given. */
export function fixed(ctx: RuleContext, plan: Plan, finding: Finding, edit: PlanEdit | undefined, otherwise: string): Finding {
  finding.fix = edit ? describeEdit(plan, edit) : otherwise;
  if (edit) ctx.fixes.set(finding, { edit });
  return finding;
}

/** The content of a kind made of action ids under `keys`: each key, an action id. */
type ActionsUnder<K extends string> = { [P in K]: string };

/**
 * The hooks of a kind whose content is one or more distinct action ids under `keys` (required: `action`; ordering:
 * `before`, `after`): reading them from a file or a model's answer, the rule's identity and the actions it names.
 */
export function actionKeys<Kind extends string, const K extends string>(kind: Kind, keys: readonly K[], instruction: string) {
  type Body = { kind: Kind } & ActionsUnder<K>;
  const values = (b: ActionsUnder<K>) => keys.map((k) => b[k]);
  const content = (vs: (string | undefined)[]) => Object.fromEntries(keys.map((k, i) => [k, vs[i]])) as ActionsUnder<K>;
  return {
    keys,
    draftFields: keys.join(', '),
    read(f: RuleFields): ActionsUnder<K> | undefined {
      const vs = keys.map((k) => f.text(k));
      return vs.every((v) => v) ? content(vs) : undefined;
    },
    identity: (b: ActionsUnder<K>) => values(b).join('|'),
    actions: values,
    reading: {
      instruction,
      fields: Object.fromEntries(keys.map((k) => [k, 'action' as const])),
      body(x: Record<string, unknown>, id: (v: unknown) => string | undefined): Body | undefined {
        const vs = keys.map((k) => id(x[k]));
        return vs.every((v) => v) && new Set(vs).size === vs.length ? ({ kind, ...content(vs) } as Body) : undefined;
      },
    },
  };
}
