// Keeps API keys out of every message, log line, event and file jupiter writes.

const KEY_VARIABLES = ['JUPITER_API_KEY', 'OPENAI_API_KEY', 'FIREWORKS_API_KEY', 'VLLM_API_KEY', 'OLLAMA_API_KEY', 'LMSTUDIO_API_KEY', 'LLAMACPP_API_KEY', 'TOGETHER_API_KEY', 'GROQ_API_KEY'];

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
  return out;
}
