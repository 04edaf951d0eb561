// The rule builder: when the reader cannot read a person's words, they say the rule themselves in a few keys:
// pick its form and its actions from a list filtered as they type, or type the canonical line, checked as they type.
import type { ChalkInstance } from 'chalk';
import { parseRuleLine, ruleLine, ruleSentence, actionsOf, type RuleBody } from '../feedback/rule-text.js';
import type { ActionDef } from '../procedures/types.js';
import type { InStream, OutStream } from './io.js';

const prompts = () => import('@inquirer/prompts');

interface BuilderContext {
  input: InStream;
  output: OutStream;
  signal?: AbortSignal;
}

type Form = RuleBody['kind'] | 'line' | 'back';

const FORMS: { name: string; value: Form }[] = [
  { name: 'Type the rule line (checked as you type)', value: 'line' },
  { name: 'A before B', value: 'ordering' },
  { name: 'A right after B (the very next step)', value: 'immediately-after' },
  { name: 'Always include A', value: 'required' },
  { name: 'Never use A', value: 'forbidden' },
  { name: 'A and B by different people', value: 'segregation' },
  { name: 'A done by an owner (a role or a person)', value: 'owner' },
  { name: 'At most N steps', value: 'max-steps' },
  { name: 'Steps must fill in a field (e.g. evidence)', value: 'required-fields' },
  { name: '‹ Back', value: 'back' },
];

/** A typed line as a rule over these actions, or why it is not one. */
export function checkRuleLine(line: string, actions: readonly ActionDef[]): { body: RuleBody } | { error: string } {
  const body = parseRuleLine(line);
  if (!body)
    return {
      error:
        'not a rule line: a before b · a right after b · always include a · never use a · a and b by different people · a done by <owner> · at most N steps',
    };
  const known = new Set(actions.map((a) => a.id));
  const unknown = actionsOf(body).filter((a) => !known.has(a));
  return unknown.length ? { error: `no action ${unknown.map((a) => `"${a}"`).join(', ')} in this procedure` } : { body };
}

/** Actions whose id or description contains every word typed so far. */
function matching(actions: readonly ActionDef[], term: string | undefined, except?: string) {
  const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return actions
    .filter((a) => a.id !== except && words.every((w) => `${a.id} ${a.description}`.toLowerCase().includes(w)))
    .map((a) => ({ name: a.id, value: a.id, description: a.description }));
}

export class RuleBuilder {
  constructor(
    private readonly actions: readonly ActionDef[],
    private readonly ctx: BuilderContext,
    private readonly chalk: ChalkInstance,
  ) {}

  private pick(message: string, except?: string): Promise<string> {
    return prompts().then((p) => p.search({ message, source: (term) => matching(this.actions, term, except), pageSize: 8 }, this.ctx));
  }

  private async typed(): Promise<RuleBody> {
    const { input } = await prompts();
    const hint = (value: string) => {
      if (!value.trim()) return '';
      const check = checkRuleLine(value, this.actions);
      return 'body' in check ? this.chalk.green(`  ✓ ${ruleSentence(check.body)}`) : this.chalk.yellow(`  ✗ ${check.error}`);
    };
    const line = await input(
      {
        message: 'Rule line:',
        transformer: (value, { isFinal }) => (isFinal ? value : `${value}${hint(value)}`),
        validate: (value) => {
          const check = checkRuleLine(value, this.actions);
          return 'body' in check ? true : check.error;
        },
      },
      this.ctx,
    );
    return (checkRuleLine(line, this.actions) as { body: RuleBody }).body;
  }

  private async fields(): Promise<RuleBody> {
    const p = await prompts();
    const all = [...new Set(this.actions.flatMap((a) => a.fields))];
    const field = await p.select({ message: 'Which field?', choices: all.map((f) => ({ name: f, value: f })) }, this.ctx);
    const every = '\u0000every step';
    const source = (term: string | undefined) => [{ name: 'every step', value: every }, ...matching(this.actions, term)];
    const action = await p.search({ message: `Which steps must fill in ${field}? Type to filter:`, source, pageSize: 8 }, this.ctx);
    return { kind: 'required-fields', fields: [field], ...(action === every ? {} : { actions: [action] }) };
  }

  private async fromForm(form: Exclude<Form, 'line' | 'back'>): Promise<RuleBody> {
    const p = await prompts();
    if (form === 'required-fields') return this.fields();
    if (form === 'max-steps') {
      const max = await p.number({ message: 'At most how many steps?', min: 1, max: 1000, required: true }, this.ctx);
      return { kind: 'max-steps', max: max ?? 1 };
    }
    const a = await this.pick(
      form === 'immediately-after' ? 'Which action (A, the one that comes next)? Type to filter:' : 'Which action (A)? Type to filter:',
    );
    if (form === 'required' || form === 'forbidden') return { kind: form, action: a };
    if (form === 'owner') {
      const role = this.actions.find((x) => x.id === a)?.role;
      const owner = await p.input({ message: `Who must do ${a}? (a role or a person)`, ...(role ? { default: role } : {}), required: true }, this.ctx);
      return { kind: 'owner', action: a, owner: owner.trim() };
    }
    const b = await this.pick(
      form === 'ordering'
        ? `${a} before which action (B)? Type to filter:`
        : form === 'segregation'
          ? `${a} and which action (B) by different people?`
          : `${a} right after which action (B)?`,
      a,
    );
    if (form === 'ordering') return { kind: 'ordering', before: a, after: b };
    if (form === 'segregation') return { kind: 'segregation', actions: [a, b] };
    return { kind: 'immediately-after', action: a, after: b };
  }

  /** One rule the person built, as its canonical line; undefined when they went back. */
  async build(): Promise<string | undefined> {
    const form = await (await prompts()).select<Form>({ message: 'Which kind of rule?', choices: FORMS, pageSize: FORMS.length }, this.ctx);
    if (form === 'back') return undefined;
    const body = form === 'line' ? await this.typed() : await this.fromForm(form);
    return ruleLine(body);
  }
}
