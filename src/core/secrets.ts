// Keeps API keys out of every message, log line, event and file jupiter writes.

const KEY_VARIABLES = [
  'JUPITER_API_KEY',
  'OPENAI_API_KEY',
  'FIREWORKS_API_KEY',
  'VLLM_API_KEY',
  'OLLAMA_API_KEY',
  'LMSTUDIO_API_KEY',
  'LLAMACPP_API_KEY',
  'TOGETHER_API_KEY',
  'GROQ_API_KEY',
];

const extra = new Set<string>();

/** Register a secret value (e.g. a key read from a custom variable) for redaction. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) extra.add(value);
}

function secretValues(): string[] {
  const values = new Set(extra);
  for (const name of KEY_VARIABLES) {
    const v = process.env[name];
    if (v && v.length >= 6) values.add(v);
  }
  return [...values];
}

/** Replace every known secret, and anything shaped like a bearer key, with a placeholder. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const v of secretValues()) out = out.split(v).join('[redacted]');
  out = out.replace(/\b(sk|fw|pk)-[A-Za-z0-9_-]{12,}\b/g, '[redacted]');
  out = out.replace(/(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/gi, '$1[redacted]');
  return out.replace(TOKEN, (word) => (looksLikeKey(word) ? '[redacted]' : word));
}

/** A run of 32 or more characters a key or token is written with (hex, base64, base64url). */
const TOKEN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;

/**
 * A long hex string with a digit, or a long word mixing upper case, lower case and digits with few separators: keys
 * and tokens look like that, words and ids joined by hyphens (`deploy-service-with-rollback-2024`) do not.
 */
function looksLikeKey(word: string): boolean {
  if (/^[0-9a-f]+$/i.test(word)) return /\d/.test(word);
  const separators = (word.match(/[-_/]/g) ?? []).length;
  return /[A-Z]/.test(word) && /[a-z]/.test(word) && /\d/.test(word) && separators <= word.length / 16;
}

/** The goal as jupiter keeps it: a key pasted into it is redacted before it names a session or reaches a file. */
export function redactGoal(goal: string): { goal: string; redacted: boolean } {
  const kept = redactSecrets(goal);
  return { goal: kept, redacted: kept !== goal };
}

/** Query parameters that carry credentials by their name. */
const SECRET_PARAM = /key|token|secret|passw|auth|sig|credential/i;

/**
 * Refuses a base URL that carries credentials (`http://user:pass@host/v1`, `?api_key=…`): such a URL would be
 * printed, stored in sessions and logs, and could reach a prompt. Refusal, not stripping: the person learns where
 * the key belongs. The message shows the URL without its credentials. Returns the URL, parsed, when it is clean.
 */
export function checkBaseUrl(raw: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Text with @, ? or = may itself hold a secret: it is not echoed.
    const shown = /[@?=]/.test(raw) ? '' : ` "${raw.slice(0, 100)}"`;
    throw new BaseUrlError(`${source}:${shown} is not a URL (expected e.g. http://localhost:8000/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new BaseUrlError(`${source}: not an http or https URL (expected e.g. http://localhost:8000/v1)`);
  const bare = `${url.protocol}//${url.host}${url.pathname}`;
  const keyHint = "put the key in JUPITER_API_KEY (or the provider's key variable) instead: keys are read from the environment only and never stored";
  if (url.username || url.password)
    throw new BaseUrlError(`${source}: credentials in a URL are refused (${url.protocol}//[credentials]@${url.host}${url.pathname}); ${keyHint}`);
  const named = [...url.searchParams.keys()].filter((k) => SECRET_PARAM.test(k));
  if (named.length)
    throw new BaseUrlError(`${source}: a credential in the URL's query is refused (${bare}?${named.map((k) => `${k}=[redacted]`).join('&')}); ${keyHint}`);
  return url;
}

/** A refused base URL: the CLI reports it as bad usage (exit 2). */
export class BaseUrlError extends Error {
  override readonly name = 'BaseUrlError';
}
