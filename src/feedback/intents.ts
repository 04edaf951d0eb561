// What a person's feedback asks of each action, from the rules it reads into: include it, or avoid it.
// "No X without Y" and "never X before Y" order two actions; they ask to avoid neither, so they retire nothing.
import type { Rule } from '../procedures/types.js';
import { readRuleBodies } from './read.js';
import type { RuleBody } from './rule-text.js';

/** Actions rules ask to include (required) and to avoid (forbidden); orderings, owners and the rest ask neither. */
export function intentsOfRules(rules: readonly (Rule | RuleBody)[]): { include: string[]; avoid: string[] } {
  const include = new Set<string>();
  const avoid = new Set<string>();
  for (const r of rules) {
    if (r.kind === 'required') include.add(r.action);
    else if (r.kind === 'forbidden') avoid.add(r.action);
  }
  return { include: [...include], avoid: [...avoid] };
}

/** The actions a piece of feedback asks to include or avoid, among `actions` (ids; no procedure set needed). */
export function actionIntents(text: string, actions: string[]): { include: string[]; avoid: string[] } {
  return intentsOfRules(
    readRuleBodies(
      text,
      actions.map((id) => ({ id })),
    ),
  );
}
