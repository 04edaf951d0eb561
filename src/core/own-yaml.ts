// Reads back, quickly, the YAML that toYaml (fast-yaml.ts) writes: block mappings and sequences two spaces deep,
// plain or JSON-quoted scalars, [] and {}. Anything else (a comment, a hand-written style, an odd character) returns
// undefined and the caller parses the text with the `yaml` package, whose cold start costs a resume ~30 ms.
// Whatever this accepts, `yaml` reads as the same value: a property test holds it to that.

/** Thrown inside the reader when the text leaves the writer's subset; never escapes it. */
const BAIL = Symbol('not toYaml output');

/** Characters YAML treats specially or refuses (controls, tabs, NEL, line and paragraph separators, BOM, non-characters). */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;
/** A surrogate without its partner. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Plain (unquoted) text as the writer emits it: starts with a letter or `_`, nothing YAML would read otherwise. */
const PLAIN = /^[A-Za-z_][A-Za-z0-9 _./@()+-]*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;
/** A number as JavaScript's String() writes it (YAML's core schema reads the same value). */
const NUMBER = /^-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]+)?(?:e[+-][0-9]+)?$/;
/** Escapes both JSON and YAML read alike (no \/, no escaped surrogates). */
const ESCAPES = /\\(?:["\\bfnrt]|u(?![dD][89a-fA-F])[0-9a-fA-F]{4})/g;

function bail(): never {
  throw BAIL;
}

/** The JSON-quoted string at the start of `s`: its value and length. */
function quoted(s: string): { value: string; length: number } {
  let i = 1;
  while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
  if (i >= s.length) bail();
  const token = s.slice(0, i + 1);
  if (token.replace(ESCAPES, '').includes('\\')) bail();
  const value: unknown = JSON.parse(token);
  return { value: value as string, length: token.length };
}

function plain(s: string): string {
  if (!PLAIN.test(s) || RESERVED.test(s) || s.endsWith(' ')) bail();
  return s;
}

function scalar(s: string): unknown {
  switch (s) {
    case 'null':
      return null;
    case 'true':
      return true;
    case 'false':
      return false;
    case '[]':
      return [];
    case '{}':
      return {};
  }
  if (s.startsWith('"')) {
    const q = quoted(s);
    if (q.length !== s.length) bail();
    return q.value;
  }
  if (NUMBER.test(s)) return Number(s);
  return plain(s);
}

/** A mapping entry's key and the rest of the line after `:` ('' when a block follows), or undefined when not a key line. */
function keyOf(s: string): { key: string; rest: string } | undefined {
  let key: string;
  let after: string;
  if (s.startsWith('"')) {
    const q = quoted(s);
    key = q.value;
    after = s.slice(q.length);
  } else {
    const colon = s.indexOf(':');
    if (colon < 0) return undefined;
    key = plain(s.slice(0, colon));
    after = s.slice(colon);
  }
  if (after === ':') return { key, rest: '' };
  if (!after.startsWith(': ') || after.length === 2) return undefined;
  return { key, rest: after.slice(2) };
}

class Reader {
  i = 0;
  constructor(private readonly lines: string[]) {}

  private indentAt(i: number): number {
    const line = this.lines[i];
    if (line === undefined) return -1;
    let n = 0;
    while (line[n] === ' ') n++;
    return n;
  }

  /** The value of a `key:` whose block starts on the next line, two spaces deeper. */
  private block(indent: number): unknown {
    if (this.indentAt(this.i) !== indent) bail();
    return this.lines[this.i]!.startsWith('- ', indent) ? this.seq(indent) : this.map(indent);
  }

  map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.indentAt(this.i) === indent) {
      const line = this.lines[this.i]!;
      if (line.startsWith('- ', indent)) break;
      const entry = keyOf(line.slice(indent));
      if (!entry || Object.hasOwn(out, entry.key) || entry.key === '__proto__') bail();
      this.i++;
      out[entry.key] = entry.rest === '' ? this.block(indent + 2) : scalar(entry.rest);
    }
    return out;
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.indentAt(this.i) === indent && this.lines[this.i]!.startsWith('- ', indent)) {
      const rest = this.lines[this.i]!.slice(indent + 2);
      if (keyOf(rest)) {
        // A mapping item: its first key shares the dash's line, the others sit two spaces deeper.
        this.lines[this.i] = `${' '.repeat(indent + 2)}${rest}`;
        out.push(this.map(indent + 2));
      } else {
        this.i++;
        out.push(scalar(rest));
      }
    }
    return out;
  }

  get done(): boolean {
    return this.i === this.lines.length;
  }
}

/** The mapping `text` holds when it is toYaml's kind of YAML; undefined for anything else (parse it with `yaml`). */
export function readOwnYaml(text: string): Record<string, unknown> | undefined {
  if (text === '{}\n') return {};
  if (!text.endsWith('\n') || UNSAFE.test(text) || LONE_SURROGATE.test(text)) return undefined;
  const reader = new Reader(text.slice(0, -1).split('\n'));
  try {
    const value = reader.map(0);
    return reader.done && Object.keys(value).length > 0 ? value : undefined;
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
}
