// Makes untrusted text (plans, model output, memory) safe to print: no terminal escape sequences or control characters.

// eslint-disable-next-line no-control-regex
const CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Strips escape sequences and control characters; keeps newlines and tabs unless `singleLine`. */
export function safeText(text: unknown, singleLine = false): string {
  const s = String(text ?? '').replace(CONTROL, '');
  return singleLine ? s.replace(/\s*[\r\n\t]+\s*/g, ' ') : s;
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
