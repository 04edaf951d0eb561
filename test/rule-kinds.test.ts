// Every rule kind in the registry (src/procedures/rules/) is whole. The table below must name an example of each kind
// (its type is a mapped type over RuleKind: a new kind without one does not compile), and each example goes through
// every hook: the procedure file, the canonical line, the log's schema, people's and the model's words, the check and
// the planner's demands.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { actionsOf, humanRule, humanRuleId, parseRuleLine, ruleBody, ruleLine, ruleSentence } from '../src/feedback/rule-text.js';
import { loadProceduresWithIssues } from '../src/procedures/load.js';
import { kindOf, planDemands, RULE_KINDS, ruleKinds } from '../src/procedures/rules/index.js';
import type { RuleBody, RuleKind } from '../src/procedures/types.js';
import { ruleErrors } from '../src/procedures/validate.js';
import { tempDir } from './support/cli.js';

type Steps = Plan['steps'];

/** A rule of the kind, a plan that breaks it and one that keeps it. */
const EXAMPLES: { [K in RuleKind]: { body: Extract<RuleBody, { kind: K }>; breaks: Steps; keeps: Steps } } = {
  ordering: {
    body: { kind: 'ordering', before: 'build', after: 'deploy' },
    breaks: [{ action: 'deploy' }, { action: 'build' }],
    keeps: [{ action: 'build' }, { action: 'deploy' }],
  },
  'immediately-after': {
    body: { kind: 'immediately-after', action: 'verify', after: 'deploy' },
    breaks: [{ action: 'deploy' }, { action: 'build' }, { action: 'verify' }],
    keeps: [{ action: 'deploy' }, { action: 'verify' }],
  },
  required: { body: { kind: 'required', action: 'verify' }, breaks: [{ action: 'build' }], keeps: [{ action: 'verify' }] },
  forbidden: { body: { kind: 'forbidden', action: 'hotfix' }, breaks: [{ action: 'hotfix' }], keeps: [{ action: 'build' }] },
  segregation: {
    body: { kind: 'segregation', actions: ['build', 'deploy'] },
    breaks: [
      { action: 'build', owner: 'Ann (developer)' },
      { action: 'deploy', owner: 'Ann (developer)' },
    ],
    keeps: [
      { action: 'build', owner: 'Ann (developer)' },
      { action: 'deploy', owner: 'Bob (operator)' },
    ],
  },
  owner: {
    body: { kind: 'owner', action: 'deploy', owner: 'operator' },
    breaks: [{ action: 'deploy', owner: 'developer' }],
    keeps: [{ action: 'deploy', owner: 'operator' }],
  },
  'max-steps': {
    body: { kind: 'max-steps', max: 2 },
    breaks: [{ action: 'build' }, { action: 'deploy' }, { action: 'verify' }],
    keeps: [{ action: 'build' }],
  },
  'required-fields': {
    body: { kind: 'required-fields', fields: ['evidence'], actions: ['verify'] },
    breaks: [{ action: 'verify' }],
    keeps: [{ action: 'verify', evidence: 'the smoke test log' }],
  },
};

const example = (kind: RuleKind) => EXAMPLES[kind];
const plan = (steps: Steps): Plan => ({ title: 't', summary: 's', steps });

/** A procedure set with the examples' actions and one rule of each kind, as a person would write it. */
function setWithEveryKind(): string {
  const action = (id: string, requires: string, provides: string) => ({
    id,
    description: id,
    requires: [requires],
    provides: [provides],
    fields: ['evidence'],
  });
  return stringify({
    id: 'kinds',
    name: 'Every kind',
    initial: ['start'],
    goals: [{ id: 'ship', description: 'Ship it', keywords: ['ship'], facts: ['verified'] }],
    actions: [
      action('build', 'start', 'built'),
      action('deploy', 'built', 'deployed'),
      action('verify', 'deployed', 'verified'),
      action('hotfix', 'start', 'deployed'),
    ],
    rules: RULE_KINDS.map((kind) => ({ id: `r-${kind}`, ...example(kind).body })),
  });
}

describe('the rule kinds registry', () => {
  it('lists each kind once, and the table above has an example of each', () => {
    expect(new Set(RULE_KINDS).size).toBe(RULE_KINDS.length);
    expect(ruleKinds().map((k) => k.kind)).toEqual(RULE_KINDS);
    expect(Object.keys(EXAMPLES).sort()).toEqual([...RULE_KINDS].sort());
  });

  it('reads a rule of every kind from a procedure file, content unchanged', () => {
    const dir = tempDir('jupiter-kinds-');
    writeFileSync(path.join(dir, 'kinds.yaml'), setWithEveryKind());
    const { library, issues } = loadProceduresWithIssues(dir);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    const rules = library.sets[0]!.rules;
    expect(rules.map((r) => ruleBody(r))).toEqual(RULE_KINDS.map((kind) => example(kind).body));
  });

  it.each(RULE_KINDS)('%s: its line reads back to the same rule, and its words name every action it names', (kind) => {
    const { body } = example(kind);
    expect(parseRuleLine(ruleLine(body))).toEqual(body);
    const words = [ruleLine(body), ruleSentence(body), kindOf(body).forModel(humanRule(body))];
    for (const text of words) for (const action of actionsOf(body)) expect(text).toContain(action);
    expect(kindOf(body).forms.length).toBeGreaterThan(0);
  });

  it.each(RULE_KINDS)("%s: the log's schema takes the rule and refuses it without its content", (kind) => {
    const { schema } = kindOf({ kind });
    expect(schema.safeParse(example(kind).body).success).toBe(true);
    expect(schema.safeParse({ kind }).success).toBe(false);
  });

  it.each(RULE_KINDS)('%s: the check finds the plan that breaks it and passes the one that keeps it', (kind) => {
    const rule = humanRule(example(kind).body);
    expect(ruleErrors(plan(example(kind).breaks), [rule]).map((f) => f.rule)).toContain(rule.id);
    expect(ruleErrors(plan(example(kind).keeps), [rule])).toEqual([]);
  });

  it('gives every rule its own id, stable across readings', () => {
    const ids = RULE_KINDS.map((kind) => humanRuleId(example(kind).body));
    expect(new Set(ids).size).toBe(ids.length);
    expect(RULE_KINDS.map((kind) => humanRuleId(structuredClone(example(kind).body)))).toEqual(ids);
  });

  it('asks the built-in planner for something for every kind with demands, and the model reader names its fields', () => {
    for (const kind of ruleKinds()) {
      const demands = planDemands([humanRule(example(kind.kind).body)]);
      const asked = Object.values(demands).some((list) => list.length > 0);
      expect(asked, kind.kind).toBe(kind.demands !== undefined);
      if (kind.reading) {
        expect(kind.reading.instruction.startsWith(`- ${kind.kind}: `)).toBe(true);
        expect(Object.keys(kind.reading.fields).length).toBeGreaterThan(0);
      }
    }
  });
});
