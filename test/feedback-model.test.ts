// The model feedback reader through the real openai client against the local chat-completions server.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import { ModelFeedbackReader } from '../src/feedback/model-reader.js';
import { createFeedbackReader } from '../src/planners/factory.js';
import { RulesFeedbackReader } from '../src/feedback/read.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, type Reply } from './support/fake-openai.js';

const deploy = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
const { serve } = fakeServers();
const signal = () => new AbortController().signal;

async function readerFor(script: Reply[]) {
  const server = await serve(script);
  const config = resolveConfig({ flags: { provider: 'custom', baseUrl: server.url, model: 'test-model' }, env: {}, cwd: tempDir() });
  return { server, reader: await createFeedbackReader(config) };
}
const answer = (constraints: unknown[]): Reply => ({ content: JSON.stringify({ constraints }) });

describe('model feedback reader', () => {
  it("asks with a JSON schema whose action fields are an enum of the set's ids, and turns the answer into human rules", async () => {
    const { server, reader } = await readerFor([answer([{ kind: 'ordering', before: 'notify-stakeholders', after: 'deploy-staging' }])]);
    expect(reader).toBeInstanceOf(ModelFeedbackReader);
    const text = 'Stakeholders hear about it before staging';
    const reading = await reader.read(text, deploy, signal());
    expect(reading.by).toBe('model');
    expect(reading.fallback).toBeUndefined();
    expect(reading.lines).toEqual(['notify-stakeholders before deploy-staging']);
    expect(reading.constraints[0]).toMatchObject({
      kind: 'ordering',
      origin: 'human',
      severity: 'error',
      description: `feedback: "${text}"`,
      id: expect.stringMatching(/^human-ordering-/),
    });

    const [req] = server.chatRequests();
    expect(req!.body.model).toBe('test-model');
    expect(req!.body.temperature).toBe(0);
    const format = req!.body.response_format as {
      type: string;
      json_schema: { schema: { properties: { constraints: { items: { properties: Record<string, { enum?: string[] }> } } } } };
    };
    expect(format.type).toBe('json_schema');
    const fields = format.json_schema.schema.properties.constraints.items.properties;
    const ids = deploy.set.actions.map((a) => a.id);
    for (const f of ['action', 'before', 'after', 'other']) expect(fields[f]!.enum).toEqual(ids);
    expect(fields.kind!.enum).toEqual(['ordering', 'immediately-after', 'required', 'forbidden', 'segregation', 'owner', 'max-steps']);
    expect(JSON.stringify(req!.body.messages)).toContain(text);
  });

  it('the model reads the same rule ids the deterministic reader does, so one rule said either way is one rule', async () => {
    const { reader } = await readerFor([
      answer([
        { kind: 'segregation', action: 'deploy-production', other: 'approve-release' },
        { kind: 'owner', action: 'approve-release', owner: 'CFO' },
      ]),
    ]);
    const byModel = await reader.read('x', deploy, signal());
    const byRules = await new RulesFeedbackReader().read(
      'the approver and the production deployer must be different people; The release approval must be done by the CFO',
      deploy,
    );
    expect(byModel.constraints.map((r) => r.id).sort()).toEqual(byRules.constraints.map((r) => r.id).sort());
  });

  it('drops items naming unknown actions, malformed items and duplicates; an empty list is a reading with no constraints', async () => {
    const { reader } = await readerFor([
      answer([
        { kind: 'forbidden', action: 'ring-the-bell' },
        { kind: 'ordering', before: 'run-tests' },
        { kind: 'max-steps', max: 0 },
        { kind: 'required', action: 'run-tests' },
        { kind: 'required', action: 'run-tests' },
        'junk',
      ]),
      answer([]),
    ]);
    expect((await reader.read('never skip run-tests', deploy, signal())).lines).toEqual(['always include run-tests']);
    expect(await reader.read('I dislike this plan', deploy, signal())).toEqual({ text: 'I dislike this plan', constraints: [], lines: [], by: 'model' });
  });

  const faults: [string, Reply][] = [
    ['a server error', { status: 500 }],
    ['an answer that is not JSON', { content: 'Sure! The rule is: scan first.' }],
    ['an answer without a constraints list', { content: '{"rules": []}' }],
    ['a server that rejects json_schema', { rejectResponseFormat: 'json_schema', then: answer([]) }],
  ];
  for (const [name, reply] of faults) {
    it(`falls back to the deterministic reader on ${name}, and says so`, async () => {
      const { server, reader } = await readerFor([reply]);
      const reading = await reader.read('Never deploy-production before security-scan', deploy, signal());
      expect(reading.by).toBe('rules');
      expect(reading.lines).toEqual(['security-scan before deploy-production']);
      expect(reading.fallback).toMatch(/^the model could not read it \(.+\); read by rules$/);
      expect(server.chatRequests()).toHaveLength(1); // no retries: a person is waiting
    });
  }

  it('a cancelled read falls back at once', async () => {
    const { reader } = await readerFor([{ hang: true }]);
    const controller = new AbortController();
    controller.abort();
    const reading = await reader.read('never skip run-tests', deploy, controller.signal);
    expect(reading).toMatchObject({ by: 'rules', lines: ['always include run-tests'] });
  });

  it('no model configured: the deterministic reader, and no openai import needed', async () => {
    const config = resolveConfig({ flags: {}, env: {}, cwd: tempDir() });
    expect(await createFeedbackReader(config)).toBeInstanceOf(RulesFeedbackReader);
  });

  it('a provider that needs a key and has none is a usage error, as for the planner', async () => {
    const config = resolveConfig({ flags: { provider: 'openai', model: 'gpt-4o-mini' }, env: {}, cwd: tempDir() });
    await expect(createFeedbackReader(config)).rejects.toThrow(/needs an API key/);
  });
});
