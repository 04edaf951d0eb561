// The rule builder's line check (the tmux test drives the prompts): what a person types is a rule over the set's
// actions, or a one-line reason why not.
import { describe, expect, it } from 'vitest';
import { checkRuleLine } from '../src/cli/rule-builder.js';
import { ruleSentence } from '../src/feedback/rule-text.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { SHIPPED } from './support/cli.js';

const actions = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service').set.actions;

describe('checkRuleLine', () => {
  it('reads every rule form over known actions, and says it in plain words', () => {
    const said = [
      'security-scan before run-tests',
      'verify-production right after deploy-production',
      'always include prepare-rollback',
      'never use deploy-directly',
      'approve-release and deploy-production by different people',
      'deploy-production done by Sam Lee',
      'at most 12 steps',
      'deploy-staging, verify-staging must fill evidence',
      'every step must fill owner',
    ].map((line) => {
      const check = checkRuleLine(line, actions);
      if (!('body' in check)) throw new Error(check.error);
      return ruleSentence(check.body);
    });
    expect(said).toEqual([
      'security-scan must come before run-tests',
      'verify-production must be the very next step after deploy-production',
      'every plan must include prepare-rollback',
      'no plan may include deploy-directly',
      'approve-release and deploy-production must be done by different people',
      'deploy-production must be done by Sam Lee',
      'a plan may have at most 12 steps',
      'deploy-staging, verify-staging must fill in evidence',
      'every step must fill in owner',
    ]);
  });

  it('names an unknown action, and says what a rule line looks like', () => {
    expect(checkRuleLine('security-scan before run-test', actions)).toEqual({ error: 'no action "run-test" in this procedure' });
    expect(checkRuleLine('scan first please', actions)).toMatchObject({ error: expect.stringMatching(/^not a rule line: a before b · /) });
    expect(checkRuleLine('run-tests and run-tests by different people', actions)).toMatchObject({ error: expect.stringMatching(/^not a rule line/) });
  });
});
