// The model-related settings: base URLs (replicas, credentials refused), max_tokens, prices and --max-cost.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlagValues } from '../src/config/layers.js';
import { resolveConfig } from '../src/config/resolve.js';
import { SETTINGS } from '../src/config/settings.js';
import { InputError, UsageError } from '../src/core/errors.js';
import { priceFor } from '../src/config/prices.js';
import { costOf } from '../src/planners/cost.js';
import { describePlanner } from '../src/planners/factory.js';
import { tokenizerFor } from '../src/memory/tokens.js';
import { tempDir } from './support/cli.js';

function dirWith(yaml?: string): string {
  const dir = tempDir('jupiter-llm-config-');
  if (yaml !== undefined) writeFileSync(path.join(dir, 'jupiter.config.yaml'), yaml);
  return dir;
}
const resolve = (flags: FlagValues = {}, env: NodeJS.ProcessEnv = {}, cwd = dirWith()) => resolveConfig({ flags, env, cwd });
function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a refusal');
}

describe('credentials in a base URL are refused (#15.3), naming where the URL came from, never echoing the secret', () => {
  const cases: [string, FlagValues, NodeJS.ProcessEnv, string | undefined, RegExp][] = [
    [
      'flag, user:pass',
      { baseUrl: 'http://alice:s3cr3t-pass@gpu:8000/v1', model: 'm' },
      {},
      undefined,
      /^--base-url: credentials in a URL are refused \(http:\/\/\[credentials\]@gpu:8000\/v1\); put the key in JUPITER_API_KEY/,
    ],
    [
      'env, ?api_key=',
      {},
      { JUPITER_BASE_URL: 'http://gpu:8000/v1?api_key=s3cr3t-pass', JUPITER_MODEL: 'm' },
      undefined,
      /^JUPITER_BASE_URL: a credential in the URL's query is refused \(http:\/\/gpu:8000\/v1\?api_key=\[redacted\]\)/,
    ],
    [
      'env, token among replicas',
      {},
      { JUPITER_BASE_URL: 'http://a:8000/v1,http://b:8000/v1?token=s3cr3t-pass', JUPITER_MODEL: 'm' },
      undefined,
      /^JUPITER_BASE_URL: a credential in the URL's query is refused/,
    ],
    [
      'config file',
      {},
      {},
      'base_url: https://bob:s3cr3t-pass@api.example.com/v1\nmodel: m\n',
      /^baseUrl in .*jupiter\.config\.yaml: credentials in a URL are refused/,
    ],
    ['not an http URL holding a secret', { baseUrl: 'alice:s3cr3t-pass@@', model: 'm' }, {}, undefined, /^--base-url: not an http or https URL/],
    ['not a URL holding a secret', { baseUrl: 's3cr3t-pass@ host', model: 'm' }, {}, undefined, /^--base-url: is not a URL/],
  ];
  for (const [name, flags, env, file, message] of cases) {
    it(name, () => {
      const err = failure(() => resolve(flags, env, dirWith(file)));
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('s3cr3t-pass');
    });
  }

  it('accepts an ordinary query string', () => {
    expect(resolve({ baseUrl: 'http://gpu:8000/v1?deployment=blue', model: 'm' }).baseUrl).toBe('http://gpu:8000/v1?deployment=blue');
  });
});

describe('several base URLs: replicas of one model', () => {
  it('from a repeated flag, a comma-separated variable, or a list in the file; the first is baseUrl', () => {
    expect(resolve({ baseUrl: ['http://a:8000/v1', 'http://b:8000/v1'], model: 'm' })).toMatchObject({
      provider: 'custom',
      baseUrl: 'http://a:8000/v1',
      baseUrls: ['http://a:8000/v1', 'http://b:8000/v1'],
    });
    expect(resolve({}, { JUPITER_BASE_URL: 'http://a:8000/v1, http://b:8000/v1', JUPITER_MODEL: 'm' }).baseUrls).toEqual([
      'http://a:8000/v1',
      'http://b:8000/v1',
    ]);
    expect(resolve({}, {}, dirWith('provider: vllm\nbaseUrl:\n  - http://a:8000/v1\n  - http://b:8000/v1\n')).baseUrls).toEqual([
      'http://a:8000/v1',
      'http://b:8000/v1',
    ]);
    expect(resolve({ provider: 'vllm' }).baseUrls).toEqual(['http://localhost:8000/v1']);
    expect(resolve().baseUrls).toEqual([]);
  });

  it('describes the planner with every replica', () => {
    expect(describePlanner(resolve({ baseUrl: ['http://a:8000/v1', 'http://b:8000/v1'], model: 'm' }))).toBe(
      'custom · m at http://a:8000/v1, http://b:8000/v1 (2 replicas)',
    );
  });
});

describe('max_tokens', () => {
  it('defaults to 4096; JUPITER_MAX_TOKENS or maxTokens in the file set it; nonsense is refused naming its source', () => {
    expect(resolve().maxTokens).toBe(SETTINGS.maxTokens.default);
    expect(SETTINGS.maxTokens.default).toBe(4096);
    expect(resolve({}, { JUPITER_MAX_TOKENS: '2048' }).maxTokens).toBe(2048);
    expect(resolve({}, {}, dirWith('maxTokens: 1000\n')).maxTokens).toBe(1000);
    expect(failure(() => resolve({}, { JUPITER_MAX_TOKENS: 'lots' })).message).toMatch(/^JUPITER_MAX_TOKENS must be a whole number/);
    expect(failure(() => resolve({}, {}, dirWith('maxTokens: 2\n'))).message).toMatch(/jupiter\.config\.yaml:1: maxTokens must be at least 16, got 2$/);
  });
});

describe('prices and --max-cost (#14.2)', () => {
  it('knows documented prices, a dated OpenAI id falls back to its family, an unknown model has no price', () => {
    const prices = resolve().prices;
    expect(priceFor('gpt-4o-mini', prices)).toEqual({ input: 0.15, output: 0.6, cachedInput: 0.075 });
    expect(priceFor('gpt-4o-mini-2024-07-18', prices)).toEqual(priceFor('gpt-4o-mini', prices));
    // gpt-tokenizer's table prices older OpenAI models.
    expect(priceFor('gpt-4-32k', prices)).toEqual({ input: 60, output: 120 });
    expect(priceFor('my-local-llama', prices)).toBeUndefined();
    expect(priceFor('constructor', prices)).toBeUndefined();
    expect(costOf({ promptTokens: 1000, completionTokens: 10, cachedTokens: 0 }, undefined)).toEqual({ costUsd: 0, priced: false });
  });

  it('refuses a --model the built-in planner would drop in silence; a model from the environment or file waits for an endpoint', () => {
    for (const flags of [{ model: 'gpt-4o' }, { provider: 'builtin', model: 'gpt-4o' }] as FlagValues[]) {
      const err = failure(() => resolve(flags));
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toBe('--model gpt-4o: the built-in planner uses no model; name its endpoint too (--provider openai, ollama, … or --base-url <url>)');
    }
    // Set for whenever an endpoint is named: not an error on a built-in run, and not used by it.
    expect(resolve({}, { JUPITER_MODEL: 'gpt-4o' }).model).toBeUndefined();
    expect(resolve({}, {}, dirWith('model: gpt-4o\n')).model).toBeUndefined();
    expect(resolve({ provider: 'openai', model: 'gpt-4o' }).model).toBe('gpt-4o');
  });

  it('refuses --max-cost for a model with no known price, pointing at the config file', () => {
    const err = failure(() => resolve({ baseUrl: 'http://gpu:8000/v1', model: 'my-local-llama', maxCost: '0.0001' }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(
      '--max-cost: no price is known for model my-local-llama, so cost cannot be tracked: set prices: { input, output } (USD per 1M tokens) in jupiter.config.yaml, or drop --max-cost',
    );
    // The built-in planner costs nothing: no refusal.
    expect(resolve({ maxCost: '1' }).maxCost).toBe(1);
    expect(resolve({ provider: 'openai', maxCost: '1' }).maxCost).toBe(1);
  });

  it('accepts --max-cost once prices are set in the config file: per model, or { input, output } for the configured model', () => {
    const perModel = resolve(
      { maxCost: '1' },
      {},
      dirWith('base_url: http://gpu:8000/v1\nmodel: my-local-llama\nprices:\n  my-local-llama: { input: 0.2, output: 0.4 }\n'),
    );
    expect(priceFor('my-local-llama', perModel.prices)).toEqual({ input: 0.2, output: 0.4 });
    const flat = resolve(
      { maxCost: '1' },
      {},
      dirWith('base_url: http://gpu:8000/v1\nmodel: my-local-llama\nprices: { input: 0.3, output: 0.5, cachedInput: 0.1 }\n'),
    );
    expect(priceFor('my-local-llama', flat.prices)).toEqual({ input: 0.3, output: 0.5, cachedInput: 0.1 });
  });

  it('refuses malformed prices with the file and line', () => {
    const err = failure(() => resolve({}, {}, dirWith('model: m\nbase_url: http://gpu/v1\nprices:\n  m: { input: cheap, output: 1 }\n')));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/jupiter\.config\.yaml:3: prices\.m needs numeric input and output/);
  });
});

describe('tokenizer by model name', () => {
  it('picks o200k, cl100k or Llama 3, else none (the estimate)', () => {
    expect(['gpt-4o-mini', 'gpt-4.1', 'o3-mini', 'gpt-5'].map(tokenizerFor)).toEqual(['o200k_base', 'o200k_base', 'o200k_base', 'o200k_base']);
    expect(['gpt-4', 'gpt-3.5-turbo'].map(tokenizerFor)).toEqual(['cl100k_base', 'cl100k_base']);
    expect(
      ['meta-llama/Llama-3.1-70B-Instruct', 'accounts/fireworks/models/llama-v3p1-70b-instruct', 'llama3.1', 'Meta-Llama-3-8B-Instruct'].map(tokenizerFor),
    ).toEqual(['llama3', 'llama3', 'llama3', 'llama3']);
    expect(['llama2', 'mistral-7b', 'default', 'local-model'].map(tokenizerFor)).toEqual([null, null, null, null]);
  });
});
