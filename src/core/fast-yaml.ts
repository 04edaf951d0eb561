// A small, fast YAML writer for jupiter's own files (plans, sessions): block style for people, strings quoted as
// JSON whenever plain style could be misread. Its output is plain YAML 1.2; the `yaml` package reads it back.

const PLAIN = /^[A-Za-z_][A-Za-z0-9 _./@()+-]*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === 'boolean') return String(v);
  const s = String(v);
  return PLAIN.test(s) && !RESERVED.test(s) && !s.endsWith(' ') && !s.includes(' #') ? s : JSON.stringify(s);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function emit(v: unknown, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isMap(item) && Object.keys(item).length > 0) {
        const start = out.length;
        emit(item, indent + 2, out);
        out[start] = `${pad}- ${out[start]!.slice(indent + 2)}`;
      } else if (Array.isArray(item) || isMap(item)) out.push(`${pad}- ${JSON.stringify(item)}`);
      else out.push(`${pad}- ${scalar(item)}`);
    }
    return;
  }
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (val === undefined) continue;
    const key = scalar(k);
    if ((Array.isArray(val) && val.length > 0) || (isMap(val) && Object.keys(val).length > 0)) {
      out.push(`${pad}${key}:`);
      emit(val, indent + 2, out);
    } else if (Array.isArray(val)) out.push(`${pad}${key}: []`);
    else if (isMap(val)) out.push(`${pad}${key}: {}`);
    else out.push(`${pad}${key}: ${scalar(val)}`);
  }
}

/** YAML text for a JSON-like value whose top level is a mapping. */
export function toYaml(value: Record<string, unknown>): string {
  const out: string[] = [];
  emit(value, 0, out);
  return out.length ? `${out.join('\n')}\n` : '{}\n';
}
