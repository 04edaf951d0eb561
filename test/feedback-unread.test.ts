// A reason read in part says which of its clauses it did not read: a reading never passes for the whole text.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { eventLine } from '../src/cli/event-lines.js';
import { readFeedback } from '../src/feedback/read.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT, SHIPPED } from './support/cli.js';

const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
const plain = new Chalk({ level: 0 });

describe('a reason read in part', () => {
  const reason = 'Deploy only on a Tuesday, not after; also notify stakeholders before approval';

  it('names the clause of which nothing was read, in the person words', () => {
    const reading = readFeedback(reason, target);
    expect(reading.lines).toEqual(['notify-stakeholders before approve-release']);
    expect(reading.unread).toEqual(['Deploy only on a Tuesday, not after']);
  });

  it('names a clause read only in part: a phrase in it that fits several actions was left out of the reading', () => {
    // "after the release" fits approve-release, canary-release and more: only "always notify" was read of the clause.
    const reading = readFeedback('We always notify stakeholders after the release, not before', target);
    expect(reading.lines).toEqual(['always include notify-stakeholders']);
    expect(reading.unread).toEqual(['We always notify stakeholders after the release, not before']);
  });

  it('names what asks for something unread, never a complaint or a clause the reading covers', () => {
    // Sentences written after the check, to try it on words it was not shaped by.
    const cases: [string, string[] | undefined][] = [
      ['Notify stakeholders before approval; and never deploy on weekends', ['and never deploy on weekends']],
      ['Run the security scan first, then the tests; the release manager must sign everything off', ['the release manager must sign everything off']],
      ['Never use canary-release. Always keep a rollback ready before anything goes out.', ['Always keep a rollback ready before anything goes out']],
      ['The scan is slow, but it must stay before the tests', undefined],
      ['Too many steps here. Drop notify-stakeholders.', undefined],
      ['I hate this plan; never use canary-release', undefined],
    ];
    for (const [text, unread] of cases) expect(readFeedback(text, target).unread, text).toEqual(unread);
  });

  it('on the evaluation set, no reading that is exact says part of its reason went unread', () => {
    const data = parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'reader-eval.yaml'), 'utf8')) as { cases: { set: string; say: string }[] };
    const library = loadProcedures(SHIPPED);
    const noted = data.cases.filter((c) => readFeedback(c.say, findTarget(library, c.set)).unread !== undefined).map((c) => c.say);
    // Before the check that a clause asks for something the reading does not cover, several of these had such a note.
    expect(noted).toEqual([]);
  });

  it('a fully read reason, a correction of the clause before and a question name nothing unread', () => {
    expect(readFeedback('Run the security scan before the tests. Notify stakeholders before approval.', target).unread).toBeUndefined();
    expect(readFeedback('You have run-tests before security-scan; that is the wrong way round', target).unread).toBeUndefined();
    expect(readFeedback('Could we deploy on Tuesdays? Notify stakeholders before approval', target).unread).toBeUndefined();
  });

  it('the enforced line says what was not read', () => {
    const reading = readFeedback(reason, target);
    const line = eventLine({ type: 'feedback-read', iteration: 2, reading, enforced: true, confirmed: true }, { checkpoint: 0 }, plain);
    expect(line).toBe(
      '◆ Feedback enforced as 1 rule: notify-stakeholders before approve-release (not read, or not all of it; not checked: "Deploy only on a Tuesday, not after")',
    );
  });

  it('a reading the model could not make says so on the enforced line and the note line', () => {
    const fallback = 'the model could not read it (the answer has no "constraints" list); read by rules';
    const reading = { ...readFeedback('Notify stakeholders before approval', target), fallback };
    const enforced = eventLine({ type: 'feedback-read', iteration: 2, reading, enforced: true, confirmed: true }, { checkpoint: 0 }, plain);
    expect(enforced).toBe(`◆ Feedback enforced as 1 rule: notify-stakeholders before approve-release (${fallback})`);
    const note = eventLine({ type: 'feedback-read', iteration: 2, reading, enforced: false, confirmed: false }, { checkpoint: 0 }, plain);
    expect(note).toContain(`(${fallback})`);
  });

  it('a note kept under the built-in planner does not say the planner reads it', () => {
    const reading = readFeedback('Too slow, three days is not acceptable', target);
    const e = { type: 'feedback-read' as const, iteration: 1, reading, enforced: false, confirmed: false };
    expect(eventLine(e, { checkpoint: 0 }, plain)).toContain('feedback kept as a note for the planner (not checked by the validator)');
    const builtin = eventLine(e, { checkpoint: 0, notesFollowed: false }, plain);
    expect(builtin).toBe(
      '  feedback kept as a note (the built-in planner does not read notes; not checked by the validator): "Too slow, three days is not acceptable"',
    );
  });
});
