// A question every reader of parsed files asks: is this value a mapping (not null, not a list)?

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
