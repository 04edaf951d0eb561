// "it" and a closing "one" stand for the action named before them, when exactly one action was named before them.
import type { Mention } from './mentions.js';

export const PRONOUN = /^(?:it|one)$/;

/** `mentions` plus one per pronoun whose antecedent is certain: the single action named earlier in the text. */
export function resolvePronouns(text: string, mentions: Mention[], pronouns: { word: string; start: number; end: number }[]): Mention[] {
  const out = [...mentions];
  for (const p of pronouns) {
    // "one" is a pronoun only at the end of a clause ("every plan needs one"), not in "the one who" or "one step".
    if (p.word === 'one' && !/^\s*(?:[.,;:!?]|$)/.test(text.slice(p.end))) continue;
    const before = mentions.filter((m) => m.end <= p.start);
    const named = new Set(before.map((m) => m.action));
    const only = [...named][0];
    if (named.size === 1 && only !== undefined) out.push({ action: only, start: p.start, end: p.end });
  }
  return out.sort((x, y) => x.start - y.start);
}
