import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { actionIntents, intentsOfRules } from '../src/feedback/intents.js';
import { readFeedback } from '../src/feedback/read.js';
import { humanRule, humanRuleId, parseRuleLine, ruleLine, type RuleBody } from '../src/feedback/rule-text.js';
import { unusableReason, withHumanRules } from '../src/feedback/target.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { validatePlan } from '../src/procedures/validate.js';
import { ROOT, SHIPPED } from './support/cli.js';

const library = loadProcedures(SHIPPED);
const deploy = findTarget(library, 'production-deployment/deploy-service');
const access = findTarget(library, 'access-review/quarterly-access-review');
const change = findTarget(library, 'change-management/standard-change');
/** A valid 12-step deployment: notify-stakeholders is step 9 (after the staging deploy), approve-release owned by Priya Nair. */
const example = (): Plan => parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')) as Plan;
const bodies = (text: string, target = deploy) =>
  readFeedback(text, target).constraints.map(({ id: _i, severity: _s, origin: _o, description: _d, ...body }) => body);

/** The sentences of issue 11, each with the rules it must read into, and whether the (valid) example plan breaks them. */
const SENTENCES: { text: string; rules: RuleBody[]; lines: string[]; examplePasses: boolean }[] = [
  {
    text: 'Stakeholders must be notified before the staging deploy',
    rules: [{ kind: 'ordering', before: 'notify-stakeholders', after: 'deploy-staging' }],
    lines: ['notify-stakeholders before deploy-staging'],
    examplePasses: false,
  },
  {
    // Was "Sign-off must be done by the CFO": sign-off is no action of this set (an alias fitted it to approve-release).
    text: 'The release approval must be done by the CFO',
    rules: [{ kind: 'owner', action: 'approve-release', owner: 'CFO' }],
    lines: ['approve-release done by CFO'],
    examplePasses: false,
  },
  {
    text: 'Remove notify-stakeholders, the status page announces releases',
    rules: [{ kind: 'forbidden', action: 'notify-stakeholders' }],
    lines: ['never use notify-stakeholders'],
    examplePasses: false,
  },
  {
    text: 'notify-stakeholders must come right after open-change-ticket',
    rules: [{ kind: 'immediately-after', action: 'notify-stakeholders', after: 'open-change-ticket' }],
    lines: ['notify-stakeholders right after open-change-ticket'],
    examplePasses: false,
  },
  {
    text: 'No deploy-production without approve-release first',
    rules: [
      { kind: 'ordering', before: 'approve-release', after: 'deploy-production' },
      { kind: 'required', action: 'approve-release' },
    ],
    lines: ['approve-release before deploy-production', 'always include approve-release'],
    examplePasses: true,
  },
  {
    text: 'Never deploy-production before security-scan',
    rules: [{ kind: 'ordering', before: 'security-scan', after: 'deploy-production' }],
    lines: ['security-scan before deploy-production'],
    examplePasses: true,
  },
  { text: 'never skip run-tests', rules: [{ kind: 'required', action: 'run-tests' }], lines: ['always include run-tests'], examplePasses: true },
  { text: 'at most 8 steps', rules: [{ kind: 'max-steps', max: 8 }], lines: ['at most 8 steps'], examplePasses: false },
  {
    // "the deployer" alone could be four deploy actions: see the unclear phrasings below.
    text: 'the approver and the production deployer must be different people',
    rules: [{ kind: 'segregation', actions: ['approve-release', 'deploy-production'] }],
    lines: ['approve-release and deploy-production by different people'],
    examplePasses: true,
  },
];

describe('readFeedback: the sentences of issue 11 against the shipped deployment procedure', () => {
  for (const s of SENTENCES) {
    it(`"${s.text}" → ${s.lines.join('; ')}`, () => {
      const reading = readFeedback(s.text, deploy);
      expect(reading.by).toBe('rules');
      expect(reading.text).toBe(s.text);
      expect(bodies(s.text)).toEqual(s.rules);
      expect(reading.lines).toEqual(s.lines);
      for (const rule of reading.constraints) {
        expect(rule).toMatchObject({ origin: 'human', severity: 'error', id: expect.stringMatching(new RegExp(`^human-${rule.kind}-[0-9a-f]{8}$`)) });
        expect(rule.description).toContain(`"${s.text}"`);
      }
    });
    it(`"${s.text}" is checked by the validator as an error`, () => {
      const reading = readFeedback(s.text, deploy);
      const result = validatePlan(example(), withHumanRules(deploy, reading.constraints));
      const ids = new Set(reading.constraints.map((r) => r.id));
      const raised = result.findings.filter((f) => ids.has(f.rule));
      if (s.examplePasses) {
        expect(raised).toEqual([]);
        expect(result.valid).toBe(true);
      } else {
        expect(raised.length).toBeGreaterThan(0);
        expect(raised.every((f) => f.severity === 'error')).toBe(true);
        expect(result.valid).toBe(false);
        // The finding quotes the person, so the planner and the screen say whose rule it is.
        expect(raised[0]!.message).toContain(s.text);
      }
    });
  }

  it('a plan that obeys the rule passes it: notify-stakeholders moved before the staging deploy', () => {
    const rules = readFeedback('Stakeholders must be notified before the staging deploy', deploy).constraints;
    const plan = example();
    const notify = plan.steps.splice(
      plan.steps.findIndex((s) => s.action === 'notify-stakeholders'),
      1,
    )[0]!;
    plan.steps.splice(plan.steps.findIndex((s) => s.action === 'open-change-ticket') + 1, 0, notify);
    expect(validatePlan(plan, withHumanRules(deploy, rules))).toMatchObject({ valid: true, findings: [] });
  });

  it('an owner rule passes once the step is assigned to that owner (case-blind, as the validator compares)', () => {
    const rules = readFeedback('The release approval must be done by the CFO', deploy).constraints;
    const plan = example();
    plan.steps.find((s) => s.action === 'approve-release')!.owner = 'cfo';
    expect(validatePlan(plan, withHumanRules(deploy, rules)).valid).toBe(true);
  });
});

describe('readFeedback: other phrasings and sets', () => {
  const cases: [string, string[], typeof deploy?][] = [
    ["Don't use deploy-directly; add notify stakeholders", ['never use deploy-directly', 'always include notify-stakeholders']],
    ['Do not remove notify-stakeholders', ['always include notify-stakeholders']],
    ['Please include prepare-rollback, and deploy-directly is forbidden', ['always include prepare-rollback', 'never use deploy-directly']],
    ['Run the security scan before approving the release, and keep it under 14 steps', ['at most 13 steps', 'security-scan before approve-release']],
    ['deploy to production only after verify-staging', ['verify-staging before deploy-production']],
    ['Notify stakeholders right before the production deploy', ['deploy-production right after notify-stakeholders']],
    ['The release manager must approve the release', ['approve-release done by release-manager']],
    ['Name the on-call SRE as deploy-production owner', ['deploy-production done by on-call SRE']],
    ['Never use `deploy-directly`, and don\'t drop "run-tests"', ['always include run-tests', 'never use deploy-directly']],
    ['Deploy-production must not happen before security-scan', ['security-scan before deploy-production']],
    // "run" here is the verb of the order, not run-tests: the sentence orders the scan and the tests.
    ['Security scan must run before the tests', ['security-scan before run-tests']],
    ['The tests should run after the security scan', ['security-scan before run-tests']],
    ['sign-off must be done by the system owner', ['sign-off done by system-owner'], access],
    ['Nobody may both revoke-access and verify-revocation', ['revoke-access and verify-revocation by different people'], access],
    ['approve-change and the change implementation must be done by different people', ['approve-change and implement-change by different people'], change],
    // Phrases that fit several actions equally name none, so nothing is read: two approvals (board and standard),
    // two "implementation" actions, four deploy actions.
    ['approve-change and the implementation must be done by different people', [], change],
    ['the approver and the deployer must be different people', []],
    ['Sign-off must be done by the CFO', []],
    ['The approval and the implementation must be done by different people', [], change],
    // One word of an action's description names nothing: "risky" is not open-change-ticket ("its scope and its risk"),
    // "a day" not deploy-production ("over two days"). Before, these read as 'never use open-change-ticket' and
    // 'run-tests before open-change-ticket', and "a full day" kept "it" from naming verify-staging.
    ['Skip the risky stuff', []],
    ['Never take risks before the tests', []],
    ['verify-staging takes a full day. Never use it.', ['never use verify-staging']],
    ['The canary release is risky. Never use it.', ['never use canary-release']],
    // Two words of a description still name their action.
    ['Never skip the smoke tests on staging', ['always include verify-staging']],
  ];
  for (const [text, lines, target] of cases) {
    it(`"${text}" → ${lines.join('; ')}`, () => expect(readFeedback(text, target ?? deploy).lines).toEqual(lines));
  }

  it('feedback with nothing checkable reads into no constraints (it stays prose)', () => {
    for (const text of ['The plan looks too long', 'avoid the deploy step', 'I do not like this plan', '']) {
      expect(readFeedback(text, deploy)).toEqual({ text, constraints: [], lines: [], by: 'rules' });
    }
  });

  it("a person's own « » marks are not read as actions", () => {
    expect(readFeedback('«ring-the-bell» before «deploy-production»', deploy).constraints).toEqual([]);
    expect(readFeedback('never «deploy-production»', deploy).lines).toEqual(['never use deploy-production']); // read as a quoted id
  });

  it('the same rule said twice, or in other words, has one stable id', () => {
    const a = readFeedback('Never deploy-production before security-scan', deploy).constraints;
    const b = readFeedback('security-scan before deploy-production. Security-scan must come before deploy-production', deploy).constraints;
    expect(b).toHaveLength(1);
    expect(b[0]!.id).toBe(a[0]!.id);
    expect(humanRuleId({ kind: 'segregation', actions: ['a', 'b'] })).toBe(humanRuleId({ kind: 'segregation', actions: ['b', 'a'] }));
  });
});

describe('rule lines', () => {
  const all: RuleBody[] = [
    { kind: 'ordering', before: 'a', after: 'b' },
    { kind: 'immediately-after', action: 'a', after: 'b' },
    { kind: 'required', action: 'run-tests' },
    { kind: 'forbidden', action: 'deploy-directly' },
    { kind: 'segregation', actions: ['approve-release', 'deploy-production'] },
    { kind: 'owner', action: 'approve-release', owner: 'Chief Financial Officer' },
    { kind: 'max-steps', max: 8 },
    { kind: 'required-fields', fields: ['evidence'], actions: ['deploy-staging', 'verify-staging'] },
    { kind: 'required-fields', fields: ['owner'] },
  ];
  it('every kind reads back from its own line', () => {
    for (const body of all) expect(parseRuleLine(ruleLine(body))).toEqual(body);
  });
  it('other text is not a rule line', () => {
    for (const line of ['', 'notify before', 'at most 0 steps', 'a and a by different people', 'please never use x'])
      expect(parseRuleLine(line)).toBeUndefined();
  });
});

describe('withHumanRules', () => {
  it('adds the rules without changing the target passed in; leaves out rules naming unknown actions', () => {
    const ok = humanRule({ kind: 'forbidden', action: 'notify-stakeholders' });
    const bad = humanRule({ kind: 'required', action: 'ring-the-bell' });
    const before = deploy.set.rules.length;
    const t = withHumanRules(deploy, [ok, bad]);
    expect(t.set.rules.slice(before)).toEqual([ok]);
    expect(deploy.set.rules).toHaveLength(before);
    expect(unusableReason(deploy, bad)).toBe('production-deployment has no action "ring-the-bell"');
    expect(unusableReason(deploy, ok)).toBeUndefined();
  });
  it('a rule the procedure states as an error is not added twice; a procedure warning in the same form becomes an error', () => {
    const same = humanRule({ kind: 'segregation', actions: ['deploy-production', 'approve-release'] });
    expect(withHumanRules(deploy, [same])).toBe(deploy);
    const stricter = humanRule({ kind: 'ordering', before: 'notify-stakeholders', after: 'deploy-production' });
    const plan = example();
    plan.steps.push(
      plan.steps.splice(
        plan.steps.findIndex((s) => s.action === 'notify-stakeholders'),
        1,
      )[0]!,
    );
    expect(validatePlan(plan, deploy).valid).toBe(true); // only a warning in the procedure
    expect(validatePlan(plan, withHumanRules(deploy, [stricter])).findings.filter((f) => f.rule === stricter.id && f.severity === 'error')).toHaveLength(1);
  });
});

describe('intents: what feedback asks to include or avoid (memory retires patterns of the avoided actions only)', () => {
  const ids = deploy.set.actions.map((a) => a.id);
  it('ordering sentences avoid nothing: neither action of "no X without Y" nor of "never X before Y"', () => {
    expect(actionIntents('No deploy-production without approve-release first', ids)).toEqual({ include: ['approve-release'], avoid: [] });
    expect(actionIntents('Never deploy-production before security-scan', ids)).toEqual({ include: [], avoid: [] });
    expect(actionIntents("don't deploy-production before security-scan", ids)).toEqual({ include: [], avoid: [] });
  });
  it('removal avoids the removed action only, not the ones its explanation names', () => {
    expect(actionIntents('Remove notify-stakeholders, the status page announces releases', ids)).toEqual({ include: [], avoid: ['notify-stakeholders'] });
  });
  it('double negatives include; "never X" alone avoids', () => {
    expect(actionIntents('never skip run-tests', ids)).toEqual({ include: ['run-tests'], avoid: [] });
    expect(actionIntents('Never deploy-directly', ids)).toEqual({ include: [], avoid: ['deploy-directly'] });
    expect(actionIntents('Stakeholders must be notified before the staging deploy', ids)).toEqual({ include: [], avoid: [] });
  });
  it('reads compiled rules too', () => {
    expect(intentsOfRules(readFeedback('Remove notify-stakeholders; never skip run-tests', deploy).constraints)).toEqual({
      include: ['run-tests'],
      avoid: ['notify-stakeholders'],
    });
  });
});

describe('stems and mentions', async () => {
  const { findMentions, stem } = await import('../src/feedback/mentions.js');
  it('word families meet: notify/notified/notification, deploy/deployer/deployment, approve/approval/approver, rehearse/rehearsal', () => {
    const families = [
      ['notify', 'notified', 'notification', 'notifying'],
      ['deploy', 'deployer', 'deployment', 'deployed', 'deploys'],
      ['approve', 'approval', 'approvals', 'approver', 'approved'],
      ['rehearse', 'rehearsal', 'rehearsed'],
      ['assess', 'assessed', 'assessment'],
      ['extract', 'extraction', 'extracted'],
      ['implement', 'implementation', 'implemented'],
      ['stakeholder', 'stakeholders'],
      ['scan', 'scanned', 'scanning'],
    ];
    for (const family of families) expect(new Set(family.map(stem)).size).toBe(1);
  });
  it('a role the set knows is not read as an action ("the release manager" is not approve-release)', () => {
    const roles = deploy.set.actions.flatMap((a) => (a.role ? [a.role] : []));
    expect(findMentions('the release manager must do it', deploy.set.actions, new Set(), roles)).toEqual([]);
    expect(findMentions('the stakeholders must wait', deploy.set.actions).map((m) => m.action)).toEqual(['notify-stakeholders']);
  });
});
