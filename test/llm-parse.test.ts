import { describe, expect, it } from 'vitest';
import { toPlan } from '../src/core/plan-io.js';
import { repairJson } from '../src/core/json-text.js';
import { parsePlanOutput } from '../src/planners/parse.js';

const plan = {
  title: 'Ship v2',
  summary: 'Build, test, deploy.',
  steps: [
    { action: 'build', description: 'Build it', owner: 'dev', evidence: 'ci log' },
    { action: 'deploy', description: 'Deploy it', owner: 'ops', evidence: 'url' },
  ],
};

function ok(text: string) {
  const r = parsePlanOutput(text);
  if ('error' in r) throw new Error(`expected a plan, got ${r.kind}: ${r.error}`);
  return r.plan;
}

describe('parsePlanOutput', () => {
  it('accepts raw JSON', () => {
    expect(ok(JSON.stringify(plan))).toEqual(plan);
  });

  it('accepts JSON in a ```json fence surrounded by prose', () => {
    const text = `Sure! Here is the plan:\n\n\`\`\`json\n${JSON.stringify(plan, null, 2)}\n\`\`\`\n\nLet me know {if} you need more.`;
    expect(ok(text)).toEqual(plan);
  });

  it('accepts JSON surrounded by prose without a fence', () => {
    expect(ok(`The plan is ${JSON.stringify(plan)} and that is all.`)).toEqual(plan);
  });

  it('repairs trailing commas, single quotes and unquoted keys', () => {
    const text = `{title: 'Ship v2', summary: 'Build, test, deploy.', steps: [{action: 'build', description: 'Build it', owner: 'dev', evidence: 'ci log',}, {action: 'deploy', description: 'Deploy it', owner: 'ops', evidence: 'url'},],}`;
    expect(ok(text)).toEqual(plan);
  });

  it('repairs smart quotes and keeps apostrophes inside strings', () => {
    const text = "{“title”: “Ship v2”, “summary”: “Don't skip tests.”, “steps”: [{“action”: “build”}]}";
    expect(ok(text)).toEqual({ title: 'Ship v2', summary: "Don't skip tests.", steps: [{ action: 'build' }] });
  });

  it('finds smart-quoted JSON with an apostrophe followed by prose', () => {
    const text = "Plan: {“title”: “Ship”, “summary”: “Don't skip tests.”, “steps”: [{“action”: “build”}]} Thanks!";
    expect(ok(text).summary).toBe("Don't skip tests.");
  });

  it('closes brackets and strings a truncated answer left open', () => {
    const full = JSON.stringify(plan);
    const cut = full.slice(0, full.indexOf('Deploy it') + 4);
    const p = ok(cut);
    expect(p.steps).toHaveLength(2);
    expect(p.steps[1]).toEqual({ action: 'deploy', description: 'Depl' });
  });

  it('repairs a truncated key', () => {
    expect(JSON.parse(repairJson('{"title": "a", "steps": [{"action": "b", "own') ?? 'null')).toEqual({ title: 'a', steps: [{ action: 'b', own: null }] });
  });

  it('repairs a missing comma between steps (jsonrepair)', () => {
    const text =
      '{"title": "Ship v2", "summary": "Build, test, deploy.", "steps": [{"action": "build", "description": "Build it", "owner": "dev", "evidence": "ci log"}\n {"action": "deploy", "description": "Deploy it", "owner": "ops", "evidence": "url"}]}';
    expect(() => JSON.parse(text)).toThrow();
    expect(ok(text)).toEqual(plan);
  });

  it('repairs Python constants and unescaped quotes inside strings', () => {
    expect(ok('{"title": "t", "summary": "He said "go" now", "steps": [{"action": "build", "done": True, "note": None}]}')).toEqual({
      title: 't',
      summary: 'He said "go" now',
      steps: [{ action: 'build', done: true, note: null }],
    });
  });

  it("drops a model's reasoning field from the plan", () => {
    expect(ok(JSON.stringify({ reasoning: 'state: code-ready', ...plan }))).toEqual(plan);
  });

  it('caps an answer: too many steps, an oversized field, an oversized answer', () => {
    const many = { ...plan, steps: Array.from({ length: 201 }, () => ({ action: 'build' })) };
    expect(parsePlanOutput(JSON.stringify(many))).toEqual({ kind: 'schema', error: 'steps has more than 200 steps' });
    expect(parsePlanOutput(JSON.stringify({ ...plan, summary: 'x'.repeat(5000) }))).toEqual({
      kind: 'schema',
      error: 'summary is longer than 4000 characters',
    });
    const owner = { ...plan, steps: [{ action: 'build', owner: 'o'.repeat(2001) }] };
    expect(parsePlanOutput(JSON.stringify(owner))).toEqual({ kind: 'schema', error: 'steps[0].owner is longer than 2000 characters' });
    expect(parsePlanOutput(`{"title": "t", "summary": "${'y'.repeat(300_000)}", "steps": []}`)).toMatchObject({
      kind: 'schema',
      error: expect.stringMatching(/^the answer is longer than 262144 characters/),
    });
  });

  it('holds only model answers to the caps: a plan file or session with 300 steps (a large procedure) still reads', () => {
    const long = { title: 't', summary: 's'.repeat(5000), steps: Array.from({ length: 300 }, () => ({ action: 'build', description: 'd'.repeat(3000) })) };
    expect(parsePlanOutput(JSON.stringify(long))).toMatchObject({ kind: 'schema' });
    const fromFile = toPlan(long);
    expect(typeof fromFile === 'string' ? fromFile : fromFile.steps.length).toBe(300);
  });

  it('accepts a {plan: {...}} wrapper', () => {
    expect(ok(JSON.stringify({ plan }))).toEqual(plan);
  });

  it('keeps procedure and goal hints and extra step fields', () => {
    const p = ok(JSON.stringify({ ...plan, procedure: 'deploy', goal: 'ship', steps: [{ action: 'build', ticket: 'CHG-1' }] }));
    expect(p.procedure).toBe('deploy');
    expect(p.steps[0]).toEqual({ action: 'build', ticket: 'CHG-1' });
  });

  it('names a missing step action by its path', () => {
    const bad = { ...plan, steps: [{ action: 'a' }, { action: 'b' }, { description: 'no action' }] };
    expect(parsePlanOutput(JSON.stringify(bad))).toEqual({ kind: 'schema', error: 'steps[2].action is missing' });
  });

  it('reports every shape problem', () => {
    const r = parsePlanOutput(JSON.stringify({ title: 3, steps: [] }));
    expect(r).toEqual({ kind: 'schema', error: 'title must be a string; summary is missing; steps is empty: a plan needs at least one step' });
  });

  it('reports missing steps', () => {
    const r = parsePlanOutput(JSON.stringify({ title: 't', summary: 's' }));
    expect(r).toEqual({ kind: 'schema', error: 'steps is missing' });
  });

  it('reports text without JSON as unparseable', () => {
    const r = parsePlanOutput('I am sorry, I cannot help with that.');
    expect(r).toMatchObject({ kind: 'unparseable' });
  });

  it('reports hopeless JSON as unparseable', () => {
    expect(parsePlanOutput('{ this is ] not : json at all ::: }')).toMatchObject({ kind: 'unparseable' });
  });

  it('reports JSON of the wrong shape as a schema problem', () => {
    expect(parsePlanOutput('```json\n[{"action": "a"}]\n```')).toMatchObject({ kind: 'schema' });
    expect(parsePlanOutput('{"steps": "build"}')).toMatchObject({ kind: 'schema' });
  });
});
