// Reads PDDL text into s-expressions that remember their line, so every later error can name file:line.
import { InputError } from '../../core/errors.js';

export interface Atom {
  kind: 'atom';
  /** Lower-cased: PDDL names are case-insensitive. */
  text: string;
  line: number;
}
export interface List {
  kind: 'list';
  items: SExp[];
  line: number;
}
export type SExp = Atom | List;

const MAX_DEPTH = 200;

/** Parses every top-level expression of `text`; `;` starts a comment to the end of the line. */
export function parseSExps(text: string, file: string): SExp[] {
  const top: SExp[] = [];
  const stack: List[] = [];
  let line = 1;
  let i = 0;
  const push = (e: SExp) => (stack.length ? stack[stack.length - 1]!.items.push(e) : top.push(e));
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (/\s/.test(c)) i++;
    else if (c === '(') {
      if (stack.length >= MAX_DEPTH) throw new InputError(`expressions nested deeper than ${MAX_DEPTH}`, { file, line });
      const list: List = { kind: 'list', items: [], line };
      push(list);
      stack.push(list);
      i++;
    } else if (c === ')') {
      if (!stack.pop()) throw new InputError('unbalanced ")"', { file, line });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s();]/.test(text[j]!)) j++;
      push({ kind: 'atom', text: text.slice(i, j).toLowerCase(), line });
      i = j;
    }
  }
  if (stack.length) throw new InputError(`"(" opened here is never closed`, { file, line: stack[stack.length - 1]!.line });
  return top;
}

/** The atom's text, or undefined for a list. */
export const atomText = (e: SExp | undefined): string | undefined => (e?.kind === 'atom' ? e.text : undefined);

/** Whether `e` is a list whose head is the atom `head`. */
export const isForm = (e: SExp | undefined, head: string): e is List => e?.kind === 'list' && atomText(e.items[0]) === head;

/**
 * Reads a typed list such as `?x ?y - block ?z` or `a b - truck c` into names with types (`object` when untyped).
 * `either` types are not STRIPS: the caller reports them.
 */
export function typedList(items: SExp[], file: string): { name: string; type: string; line: number }[] {
  const out: { name: string; type: string; line: number }[] = [];
  let pending: Atom[] = [];
  for (let i = 0; i < items.length; i++) {
    const e = items[i]!;
    if (e.kind !== 'atom')
      throw new InputError(`expected a name, found a list${isForm(e, 'either') ? ' ("either" types need :typing beyond STRIPS, not supported)' : ''}`, {
        file,
        line: e.line,
      });
    if (e.text === '-') {
      const type = items[++i];
      if (type?.kind !== 'atom')
        throw new InputError(`expected a type name after "-"${isForm(type, 'either') ? ' ("either" types are not supported)' : ''}`, {
          file,
          line: type?.line ?? e.line,
        });
      for (const p of pending) out.push({ name: p.text, type: type.text, line: p.line });
      pending = [];
    } else pending.push(e);
  }
  for (const p of pending) out.push({ name: p.text, type: 'object', line: p.line });
  return out;
}
