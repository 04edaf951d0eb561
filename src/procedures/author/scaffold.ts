// Builds a procedure set by asking a person, step by step, when no model is configured; every answer is checked so the set lints clean.
import { parseDuration } from '../load.js';
import { words } from '../target.js';

/** The questions the scaffold asks (the CLI supplies terminal prompts; tests a script). */
export interface ScaffoldAsk {
  /** Free text; `validate` returns true or the message to show before asking again. */
  input(message: string, opts?: { default?: string; validate?: (value: string) => true | string }): Promise<string>;
}

const ID = /^[a-z0-9][a-z0-9._-]*$/i;
const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '') || 'procedure';

const splitList = (text: string): string[] => [
  ...new Set(
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

function idsValid(items: string[], what: string): true | string {
  const bad = items.find((i) => !ID.test(i));
  return bad === undefined ? true : `${what} "${bad}" may only hold letters, digits, ".", "_" and "-"`;
}

interface DraftAction {
  id: string;
  requires: string[];
  provides: string[];
  role?: string;
  duration?: string;
}

/** One step: its action id (blank: no more steps, once every goal fact is provided), what it needs and gives, who, how long. */
async function askStep(ask: ScaffoldAsk, actions: DraftAction[], missing: string[], have: Set<string>): Promise<DraftAction | undefined> {
  const n = actions.length + 1;
  const stepId = (
    await ask.input(missing.length ? `Step ${n}: action id (still to provide: ${missing.join(', ')})` : `Step ${n}: action id (blank to finish)`, {
      default: '',
      validate: (v) => {
        const t = v.trim();
        if (!t) return missing.length ? `add steps until ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} provided` : true;
        if (actions.some((a) => a.id === t)) return `there is already a step "${t}"`;
        return idsValid([t], 'the id');
      },
    })
  ).trim();
  if (!stepId) return undefined;
  const requires = splitList(
    await ask.input(`${stepId}: what must be true before it? (facts, comma-separated; known: ${[...have].join(', ') || 'none yet'})`, {
      default: '',
      validate: (v) => {
        const unknown = splitList(v).filter((f) => !have.has(f));
        return unknown.length
          ? `not true at any point yet: ${unknown.join(', ')} (a starting fact or one an earlier step provides)`
          : idsValid(splitList(v), 'fact');
      },
    }),
  );
  const provides = splitList(
    await ask.input(`${stepId}: what is true after it? (facts, comma-separated)`, {
      default: missing[0] ?? `${stepId}-done`,
      validate: (v) => (splitList(v).length ? idsValid(splitList(v), 'fact') : 'a step must provide at least one fact'),
    }),
  );
  return { id: stepId, requires, provides, ...(await askWhoAndHowLong(ask, stepId)) };
}

async function askWhoAndHowLong(ask: ScaffoldAsk, stepId: string): Promise<{ role?: string; duration?: string }> {
  const role = (await ask.input(`${stepId}: who usually does it? (a role; blank to skip)`, { default: '' })).trim();
  const duration = (
    await ask.input(`${stepId}: how long does it take? (like 30m, 4h, 2d; blank to skip)`, {
      default: '',
      validate: (v) => (!v.trim() || parseDuration(v) !== undefined ? true : 'write it like 30m, 4h, 2d or 1d 4h'),
    })
  ).trim();
  return { ...(role ? { role } : {}), ...(duration ? { duration } : {}) };
}

/** The rules: steps every plan must include, and one pair of steps for different people. */
async function askRules(ask: ScaffoldAsk, stepIds: string[]): Promise<Record<string, unknown>[]> {
  const unknownStep = (ids: string[]) => ids.filter((s) => !stepIds.includes(s));
  const required = splitList(
    await ask.input(`Steps every plan must include (comma-separated from ${stepIds.join(', ')}; blank for none)`, {
      default: '',
      validate: (v) => (unknownStep(splitList(v)).length ? `no step ${unknownStep(splitList(v)).join(', ')}` : true),
    }),
  );
  const apart = splitList(
    await ask.input('Two steps that must be done by different people (a, b; blank for none)', {
      default: '',
      validate: (v) => {
        const two = splitList(v);
        if (two.length === 0) return true;
        if (two.length !== 2) return 'name exactly two steps, or none';
        return unknownStep(two).length ? `no step ${unknownStep(two).join(', ')}` : true;
      },
    }),
  );
  const rules: Record<string, unknown>[] = required.map((a) => ({ id: `${a}-required`, kind: 'required', action: a }));
  if (apart.length === 2) rules.push({ id: `${apart[0]}-not-by-${apart[1]}`, kind: 'segregation', actions: apart });
  return rules;
}

/** The set's id, the facts the goal needs and the facts that hold at the start. */
async function askFacts(goal: string, ask: ScaffoldAsk): Promise<{ id: string; goalFacts: string[]; initial: string[] }> {
  const id = await ask.input('Id of the new procedure set', { default: slug(goal), validate: (v) => idsValid([v.trim()], 'the id') });
  const goalFacts = splitList(
    await ask.input('What must be true when the work is done? (facts, comma-separated, e.g. campaign-launched)', {
      default: `${slug(goal)}-done`,
      validate: (v) => (splitList(v).length ? idsValid(splitList(v), 'fact') : 'name at least one fact'),
    }),
  );
  const initial = splitList(
    await ask.input('What is already true before the first step? (facts, comma-separated; blank for none)', {
      default: '',
      validate: (v) => idsValid(splitList(v), 'fact'),
    }),
  );
  return { id, goalFacts, initial };
}

/**
 * Asks for the set: its id, the goal's facts, starting facts, then steps until every goal fact is provided, then
 * the steps every plan must include and one segregation of duties. Returns the draft object for `renderSetYaml`.
 */
export async function scaffoldSet(goal: string, ask: ScaffoldAsk): Promise<Record<string, unknown>> {
  const { id, goalFacts, initial } = await askFacts(goal, ask);
  const actions: DraftAction[] = [];
  for (;;) {
    const have = new Set([...initial, ...actions.flatMap((a) => a.provides)]);
    const action = await askStep(
      ask,
      actions,
      goalFacts.filter((f) => !have.has(f)),
      have,
    );
    if (!action) break;
    actions.push(action);
  }
  const rules = await askRules(
    ask,
    actions.map((a) => a.id),
  );
  const goalId = slug(goal).slice(0, 40).replace(/-+$/, '') || 'goal';
  return {
    id: id.trim(),
    name: goal,
    initial,
    goals: [{ id: goalId, description: goal, keywords: [...new Set(words(goal))], facts: goalFacts }],
    actions: actions.map((a) => ({ ...a, fields: ['owner'] })),
    rules,
  };
}
