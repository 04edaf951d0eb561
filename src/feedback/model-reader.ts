// Reads a rejection reason with the configured model (structured output, action ids as an enum), else by rules.
import type OpenAI from 'openai';
import { redactSecrets } from '../core/secrets.js';
import type { FeedbackReader, FeedbackReading } from './types.js';
import type { PlanTarget } from '../procedures/types.js';
import { readFeedback } from './read.js';
import { humanRule, humanRuleId, ruleLine, type RuleBody } from './rule-text.js';
import { ruleKinds } from '../procedures/rules/index.js';

/** The kinds a model reads feedback into (the offline reader and the rule builder also know required-fields). */
const readable = () => ruleKinds().flatMap((k) => (k.reading ? [{ kind: k.kind, reading: k.reading }] : []));

const FIELD_SCHEMA = { text: { type: 'string' }, count: { type: 'integer', minimum: 1 } } as const;

/** The JSON schema of a reading: every action field is an enum of the set's ids, so guided decoding cannot invent one. */
function readingSchema(target: PlanTarget): Record<string, unknown> {
  const action = { type: 'string', enum: target.set.actions.map((a) => a.id) };
  const fields = Object.fromEntries(
    readable().flatMap(({ reading }) => Object.entries(reading.fields).map(([name, type]) => [name, type === 'action' ? action : FIELD_SCHEMA[type]])),
  );
  return {
    type: 'object',
    additionalProperties: false,
    required: ['constraints'],
    properties: {
      constraints: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: { kind: { type: 'string', enum: readable().map((k) => k.kind) }, ...fields },
        },
      },
    },
  };
}

const system = () => `You read a person's feedback on a plan into rules that a validator checks. Reply with JSON only.
Kinds and their fields:
${readable()
  .map((k) => k.reading.instruction)
  .join('\n')}
Use only the action ids listed. Read only what the feedback states; when it states no such rule, reply {"constraints": []}.`;

function userMessage(text: string, target: PlanTarget): string {
  const actions = target.set.actions.map((a) => `- ${a.id}: ${a.description}${a.role ? ` (role ${a.role})` : ''}`).join('\n');
  return `Procedure ${target.set.id}, goal ${target.goal.id}. Actions:\n${actions}\n\nFeedback:\n${text}`;
}

type Raw = Record<string, unknown>;

/** One item of the model's answer as a rule body, or undefined when it is not a well-formed rule over known actions. */
function toBody(x: Raw, known: ReadonlySet<string>): RuleBody | undefined {
  const action = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && known.has(v) ? v : undefined);
  return readable()
    .find((k) => k.kind === x.kind)
    ?.reading.body(x, action) as RuleBody | undefined;
}

/** The rules in a model's answer; throws when the answer is not a reading at all. */
function parseReading(content: string, target: PlanTarget): RuleBody[] {
  const value = JSON.parse(content.trim().replace(/^```(?:json)?\s*|\s*```$/g, '')) as unknown;
  const list = (value as Raw | null)?.constraints;
  if (!Array.isArray(list)) throw new Error('the answer has no "constraints" list');
  const known = new Set(target.set.actions.map((a) => a.id));
  const seen = new Set<string>();
  return list.flatMap((item) => {
    const body = typeof item === 'object' && item !== null ? toBody(item as Raw, known) : undefined;
    if (!body || seen.has(humanRuleId(body))) return [];
    seen.add(humanRuleId(body));
    return [body];
  });
}

interface ModelReaderOptions {
  client: OpenAI;
  model: string;
}

/** Reads with the model; on any failure (network, refusal, an answer that is no reading) reads by rules and says why. */
export class ModelFeedbackReader implements FeedbackReader {
  constructor(private readonly opts: ModelReaderOptions) {}

  async read(text: string, target: PlanTarget, signal: AbortSignal): Promise<FeedbackReading> {
    try {
      const reply = await this.opts.client.chat.completions.create(
        {
          model: this.opts.model,
          temperature: 0,
          messages: [
            { role: 'system', content: system() },
            { role: 'user', content: userMessage(text, target) },
          ],
          response_format: { type: 'json_schema', json_schema: { name: 'feedback_reading', strict: false, schema: readingSchema(target) } },
        },
        { signal },
      );
      const content = reply.choices[0]?.message?.content;
      if (!content) throw new Error('the model gave an empty answer');
      const constraints = parseReading(content, target).map((body) => humanRule(body, text));
      return { text, constraints, lines: constraints.map(ruleLine), by: 'model' };
    } catch (err) {
      const why = redactSecrets(
        String((err as Error)?.message ?? err)
          .replace(/\s+/g, ' ')
          .slice(0, 200),
      );
      return { ...readFeedback(text, target), fallback: `the model could not read it (${why}); read by rules` };
    }
  }
}
