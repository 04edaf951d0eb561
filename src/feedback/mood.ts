// What a clause does: state a rule, or only ask, hedge, permit or report (which state none), and whether it calls
// an order wrong ("X before Y is wrong": the person wants Y before X).

export interface Clause {
  text: string;
  question: boolean;
}

/** Sentences and clauses that stand on their own ("..., because ..." explains; it adds no rule of its own). */
export function clausesOf(text: string): Clause[] {
  const out: Clause[] = [];
  const re = /([.!?])(?=\s|$)|[;\n]+|,\s*(?:but|because|since|as|so|though|although)\s+|\s+but\s+/gi;
  let pos = 0;
  for (const m of text.matchAll(re)) {
    out.push({ text: text.slice(pos, m.index).trim(), question: m[1] === '?' });
    pos = m.index + m[0].length;
  }
  out.push({ text: text.slice(pos).trim(), question: false });
  return out.filter((c) => c.text);
}

export type Mood = 'rule' | 'question' | 'hedge' | 'permission' | 'report';

const HEDGE = /\b(?:maybe|perhaps|possibly|probably|i wonder|not sure|what if|how about|might want|could consider)\b/i;
const NOT_AFTER = "(?!n't|\\s+not\\b|\\s+never\\b)";
const PERMISSION = new RegExp(
  [
    `\\b(?:it|that|this)(?:'s|\\s+is)\\s+(?:(?:totally|perfectly|also)\\s+)?(?:fine|ok(?:ay)?|alright|all right|acceptable)\\b`,
    `\\bfeel free\\b`,
    `\\b(?:you|we)\\s+(?:can|could|may|might)${NOT_AFTER}\\b`,
    `\\b(?:is|are)\\s+(?:(?:entirely|totally|purely|also)\\s+)?(?:optional|allowed|permitted|acceptable|fine|ok(?:ay)?)\\b`,
    `\\bin any order\\b`,
    `\\bdoes(?:n't| not) matter\\b`,
    `\\bif you (?:want|like|prefer)\\b`,
  ].join('|'),
  'i',
);
/** Telling what happened or what the plan has is not asking for anything (unless the next words call it wrong). */
const REPORT =
  /\b(?:last time|previously|yesterday|in the past|used to|ran|went|happened)\b|^\s*(?:you|we|it|this plan|the plan)\s+(?:have|has|had|'ve)\b(?!\s+to\b)/i;

/**
 * Words that ask for something ("must", "never", "only", "don't"), or an action named by its verb first (an imperative:
 * "deploy on Tuesdays"): a clause without them explains or complains ("this is too long") and states no rule.
 */
const DIRECTIVE =
  /\b(?:must|should|shall|needs? to|ha(?:s|ve) to|always|never|only|required|forbidden|not allowed|no longer|don'?t|do not|mustn'?t|shouldn'?t|cannot|can'?t)\b|^\s*(?:please\s+)?«\^/i;

/** The clause (its actions marked) asks for something: see DIRECTIVE. */
export const directs = (clause: Clause): boolean => DIRECTIVE.test(clause.text);

export function moodOf(clause: Clause): Mood {
  if (clause.question) return 'question';
  if (HEDGE.test(clause.text)) return 'hedge';
  if (PERMISSION.test(clause.text)) return 'permission';
  if (REPORT.test(clause.text)) return 'report';
  return 'rule';
}

const WRONG =
  /\b(?:is|are|was|'s|seems|looks)\s+(?:(?:just|all|completely|clearly|plain|simply)\s+)?(?:wrong|backwards?|incorrect|a mistake|the wrong way (?:round|around))\b|\bmakes? no sense\b|\bdoes(?:n't| not) make (?:any )?sense\b|\bwrong (?:way (?:round|around)|order)\b/i;

/** The clause calls what it describes wrong. */
export const judgedWrong = (text: string): boolean => WRONG.test(text);
