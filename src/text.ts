// Makes untrusted text (plans, model output, memory) safe to print: no terminal escape sequences or control characters.

// eslint-disable-next-line no-control-regex
const CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Strips escape sequences and control characters; keeps newlines and tabs unless `singleLine`. */
export function safeText(text: unknown, singleLine = false): string {
  const s = String(text ?? '').replace(CONTROL, '');
  return singleLine ? s.replace(/\s*[\r\n\t]+\s*/g, ' ') : s;
}
