// Makes untrusted text (plans, model output, memory) safe to print: no terminal escape sequences or control characters.

// eslint-disable-next-line no-control-regex
const CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Invisible characters that change what a reader sees without showing themselves: bidi embeddings, overrides and
 * isolates (U+202E turns "gnirts" into "string" on screen), zero-width spaces and joiners of words, the byte-order
 * mark, interlinear annotations, and Unicode tag characters (text a person cannot see but a model reads).
 * ZWNJ/ZWJ (U+200C/D) stay: scripts and emoji need them and they reorder nothing.
 */
const INVISIBLE = /[\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g;
/** Line and paragraph separators break lines in some terminals and not others: a plain space is honest. */
const SEPARATOR = /[\u2028\u2029]/g;

/** Strips escape sequences, control and invisible characters; keeps newlines and tabs unless `singleLine`. */
export function safeText(text: unknown, singleLine = false): string {
  const s = String(text ?? '')
    .replace(CONTROL, '')
    .replace(INVISIBLE, '')
    .replace(SEPARATOR, ' ');
  return singleLine ? s.replace(/\s*[\r\n\t]+\s*/g, ' ') : s;
}

/** Characters JSON.stringify leaves raw that a terminal acts on or hides: DEL and C1 controls (U+009B is CSI), and the invisible ones. */
const JSON_UNSAFE = new RegExp(`[\\u007f-\\u009f]|${SEPARATOR.source}|${INVISIBLE.source}`, 'g');
const escapeUnits = (c: string) =>
  c
    .split('')
    .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('');

/**
 * JSON for a terminal or a pipe a person may view: the same value as JSON.stringify, with bidi, invisible and C1
 * characters written as \uXXXX escapes (they only ever occur inside strings), so `--json` output shows no hidden text.
 */
export function terminalJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(JSON_UNSAFE, escapeUnits);
}

/** Decodes bytes as UTF-8; `badLine` is the 1-based line of the first invalid byte sequence, if any. */
export function decodeUtf8(buf: Uint8Array): { text: string; badLine: number | null } {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  const bad = text.indexOf('\uFFFD');
  return { text, badLine: bad < 0 ? null : text.slice(0, bad).split('\n').length };
}

/** A `yaml` parse error as one line and its 1-based line number (the library's pretty message has several). */
export function yamlErrorText(e: { message: string; linePos?: [{ line: number }, ...unknown[]] | undefined }): { message: string; line: number } {
  return { message: e.message.split(' at line')[0]!.split('\n')[0]!, line: e.linePos?.[0]?.line ?? 1 };
}

/** Levenshtein edit distance: how an unknown action id is matched to the valid one it most likely meant. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/**
 * An integer with thousands separators, as `toLocaleString('en-US')` writes it (12,345), without its ICU lookup: the
 * log writes several per iteration. Other numbers go to toLocaleString.
 */
export function thousands(x: number): string {
  if (!Number.isSafeInteger(x)) return x.toLocaleString('en-US');
  const digits = String(Math.abs(x));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return x < 0 ? `-${out}` : out;
}

/** `items` joined by commas into lines of at most `width` characters, the last followed by `end`. */
export function commaLines(items: string[], end: string, width: number): string {
  const lines = [''];
  for (const [i, item] of items.entries()) {
    const piece = `${item}${i < items.length - 1 ? ',' : end}`;
    const last = lines[lines.length - 1]!;
    if (last && last.length + 1 + piece.length > width) lines.push(piece);
    else lines[lines.length - 1] = last ? `${last} ${piece}` : piece;
  }
  return lines.join('\n');
}
