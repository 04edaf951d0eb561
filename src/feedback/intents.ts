// Reads what a person's feedback asks of an action: include it, or avoid it ("never skip run-tests" means include).
const KEEP = /\b(?:don'?t|do not|never|must not|should not)\s+(?:skip|remove|drop|omit|forget|leave out)\b/i;
const AVOID = /\b(remove|drop|without|skip|avoid|never|no|don'?t|do not|stop using|forbid|omit)\b/i;
const INCLUDE = /\b(add|include|require|must (?:have|include|run)|always|need|needs|missing|use|keep)\b/i;

export type Intent = 'include' | 'avoid';

export function clausesOf(text: string): string[] {
  return text.split(/[.;\n]|,\s*(?:and|but)\s+|\bbut\b/i).map((c) => c.trim()).filter(Boolean);
}

export function intentOf(clause: string): Intent | null {
  if (KEEP.test(clause)) return 'include';
  if (AVOID.test(clause)) return 'avoid';
  if (INCLUDE.test(clause)) return 'include';
  return null;
}

/** Whether the clause names the action: its id (or the id with spaces), as a whole word. */
export function mentions(clause: string, actionId: string): boolean {
  const lower = clause.toLowerCase();
  for (const form of [actionId, actionId.replace(/-/g, ' ')]) {
    const escaped = form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(^|[^a-z0-9-])${escaped}($|[^a-z0-9-])`).test(lower)) return true;
  }
  return false;
}

/** The actions a piece of feedback asks to include or avoid, among `actions`. */
export function actionIntents(text: string, actions: string[]): { include: string[]; avoid: string[] } {
  const include = new Set<string>();
  const avoid = new Set<string>();
  for (const clause of clausesOf(text)) {
    const intent = intentOf(clause);
    if (!intent) continue;
    for (const a of actions) if (mentions(clause, a)) (intent === 'include' ? include : avoid).add(a);
  }
  return { include: [...include], avoid: [...avoid] };
}
