// Unit tests of resolveConfig: precedence (flags > env > jupiter.config.yaml > presets) and every refusal.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlagValues } from '../src/config/layers.js';
import { PROVIDERS } from '../src/config/providers.js';
import { resolveConfig, shippedProceduresDir } from '../src/config/resolve.js';
import { SETTINGS } from '../src/config/settings.js';
import { InputError, UsageError } from '../src/core/errors.js';
import { tempDir } from './support/cli.js';

function dirWith(yaml?: string): string {
  const dir = tempDir('jupiter-config-');
  if (yaml !== undefined) writeFileSync(path.join(dir, 'jupiter.config.yaml'), yaml);
  return dir;
}

function resolve(flags: FlagValues = {}, env: NodeJS.ProcessEnv = {}, cwd = dirWith()) {
  return resolveConfig({ flags, env, cwd });
}

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected resolveConfig to throw');
}

const FILE = `provider: vllm
base_url: http://file-host:8000/v1
model: file-model
memory: file-memory
procedures: file-procedures
iterations: 30
checkpoint: 6
context_budget: 3000
`;

describe('resolveConfig defaults', () => {
  it('uses the built-in planner and documented defaults with nothing set', () => {
    const cwd = dirWith();
    const c = resolve({}, {}, cwd);
    expect(c).toMatchObject({ provider: 'builtin', baseUrl: undefined, model: undefined, apiKey: undefined, configFile: null });
    expect(c).toMatchObject({
      iterations: SETTINGS.iterations.default,
      checkpoint: SETTINGS.checkpoint.default,
      contextBudget: SETTINGS.contextBudget.default,
      timeoutMs: SETTINGS.timeoutMs.default,
    });
    expect(c.memoryDir).toBe(path.join(cwd, 'memory'));
    expect(c.proceduresDir).toBe(shippedProceduresDir());
  });

  it('prefers ./procedures over the shipped ones when it exists', () => {
    const cwd = dirWith();
    mkdirSync(path.join(cwd, 'procedures'));
    expect(resolve({}, {}, cwd).proceduresDir).toBe(path.join(cwd, 'procedures'));
  });

  it('fills base URL and model from the provider preset', () => {
    const c = resolve({ provider: 'ollama' });
    expect(c.baseUrl).toBe(PROVIDERS.ollama!.baseUrl);
    expect(c.model).toBe(PROVIDERS.ollama!.defaultModel);
  });

  it('caps the default checkpoint at the iteration count', () => {
    expect(resolve({ iterations: '4' }).checkpoint).toBe(4);
  });
});

describe('resolveConfig precedence', () => {
  it('takes every setting from the config file over presets and defaults', () => {
    const cwd = dirWith(FILE);
    const c = resolve({}, {}, cwd);
    expect(c).toMatchObject({ provider: 'vllm', baseUrl: 'http://file-host:8000/v1', model: 'file-model', iterations: 30, checkpoint: 6, contextBudget: 3000 });
    expect(c.memoryDir).toBe(path.join(cwd, 'file-memory'));
    expect(c.proceduresDir).toBe(path.join(cwd, 'file-procedures'));
    expect(c.configFile).toBe(path.join(cwd, 'jupiter.config.yaml'));
  });

  it('lets the environment beat the config file', () => {
    const cwd = dirWith(FILE);
    const env = {
      JUPITER_PROVIDER: 'lmstudio',
      JUPITER_BASE_URL: 'http://env-host:1234/v1',
      JUPITER_MODEL: 'env-model',
      JUPITER_MEMORY: 'env-memory',
      JUPITER_PROCEDURES: 'env-procedures',
      JUPITER_ITERATIONS: '12',
      JUPITER_CHECKPOINT: '3',
      JUPITER_CONTEXT_BUDGET: '2000',
    };
    const c = resolve({}, env, cwd);
    expect(c).toMatchObject({
      provider: 'lmstudio',
      baseUrl: 'http://env-host:1234/v1',
      model: 'env-model',
      iterations: 12,
      checkpoint: 3,
      contextBudget: 2000,
    });
    expect(c.memoryDir).toBe(path.join(cwd, 'env-memory'));
    expect(c.proceduresDir).toBe(path.join(cwd, 'env-procedures'));
  });

  it('lets flags beat the environment and the config file', () => {
    const cwd = dirWith(FILE);
    const env = {
      JUPITER_PROVIDER: 'lmstudio',
      JUPITER_BASE_URL: 'http://env-host:1234/v1',
      JUPITER_MODEL: 'env-model',
      JUPITER_ITERATIONS: '12',
      JUPITER_CHECKPOINT: '3',
      JUPITER_MEMORY: 'env-memory',
    };
    const flags: FlagValues = {
      provider: 'llamacpp',
      baseUrl: 'http://flag-host:8080/v1',
      model: 'flag-model',
      iterations: '8',
      checkpoint: '2',
      contextBudget: '500',
      memory: 'flag-memory',
      procedures: 'flag-procedures',
    };
    const c = resolve(flags, env, cwd);
    expect(c).toMatchObject({
      provider: 'llamacpp',
      baseUrl: 'http://flag-host:8080/v1',
      model: 'flag-model',
      iterations: 8,
      checkpoint: 2,
      contextBudget: 500,
    });
    expect(c.memoryDir).toBe(path.join(cwd, 'flag-memory'));
    expect(c.proceduresDir).toBe(path.join(cwd, 'flag-procedures'));
  });

  it('reads an explicit --config file and resolves its paths next to it', () => {
    const cwd = dirWith();
    mkdirSync(path.join(cwd, 'conf'));
    writeFileSync(path.join(cwd, 'conf', 'other.yaml'), 'memory: mem\niterations: 7\n');
    const c = resolve({ config: 'conf/other.yaml' }, {}, cwd);
    expect(c.iterations).toBe(7);
    expect(c.memoryDir).toBe(path.join(cwd, 'conf', 'mem'));
  });

  it('prefers JUPITER_API_KEY over the provider variable, and never takes a key from the file', () => {
    const both = resolve({ provider: 'fireworks' }, { JUPITER_API_KEY: 'jupiter-key-1', FIREWORKS_API_KEY: 'fireworks-key-2' });
    expect(both).toMatchObject({ apiKey: 'jupiter-key-1', apiKeyVariable: 'JUPITER_API_KEY' });
    const provider = resolve({ provider: 'fireworks' }, { FIREWORKS_API_KEY: 'fireworks-key-2' });
    expect(provider).toMatchObject({ apiKey: 'fireworks-key-2', apiKeyVariable: 'FIREWORKS_API_KEY' });
    const none = resolve({ provider: 'fireworks' }, {});
    expect(none).toMatchObject({ apiKey: undefined, apiKeyVariable: 'FIREWORKS_API_KEY' });
  });

  it('treats --base-url alone as provider custom', () => {
    const c = resolve({ baseUrl: 'http://127.0.0.1:9999/v1', model: 'm' });
    expect(c).toMatchObject({ provider: 'custom', baseUrl: 'http://127.0.0.1:9999/v1', model: 'm' });
    expect(resolve({}, { JUPITER_BASE_URL: 'http://127.0.0.1:9999/v1', JUPITER_MODEL: 'm' }).provider).toBe('custom');
  });
});

describe('resolveConfig refusals', () => {
  it.each([
    [{ iterations: '0' }, /--iterations must be at least 1, got 0/],
    [{ iterations: '-5' }, /--iterations must be at least 1, got -5/],
    [{ iterations: '2.5' }, /--iterations must be a whole number/],
    [{ checkpoint: 'abc' }, /--checkpoint must be a whole number, got "abc"/],
    [{ iterations: '5', checkpoint: '6' }, /--checkpoint 6 \(flag\) is larger than --iterations 5 \(flag\)/],
    [{ provider: 'nosuch' }, /unknown provider "nosuch".*openai/],
    [{ baseUrl: 'not a url', model: 'm' }, /--base-url: "not a url" is not a URL/],
    [{ provider: 'custom' }, /--provider custom needs --base-url/],
    [{ provider: 'custom', baseUrl: 'http://x/v1' }, /--provider custom needs --model/],
    [{ config: 'missing.yaml' }, /--config: .*missing\.yaml does not exist/],
  ] as [FlagValues, RegExp][])('refuses %j with a usage error', (flags, message) => {
    const err = failure(() => resolve(flags));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(message);
  });

  it('a checkpoint from the config file (as `jupiter init` writes it) yields to an explicit -n', () => {
    const cwd = dirWith('iterations: 20\ncheckpoint: 10\n');
    expect(resolve({ iterations: '5' }, {}, cwd)).toMatchObject({ iterations: 5, checkpoint: 5 });
    expect(resolve({ iterations: '5' }, { JUPITER_CHECKPOINT: '10' }, cwd)).toMatchObject({ iterations: 5, checkpoint: 5 });
    expect(resolve({ iterations: '3' })).toMatchObject({ iterations: 3, checkpoint: 3 });
  });

  it('contradicting values from the same place, or an explicit checkpoint, are refused naming where each came from', () => {
    const cwd = dirWith('iterations: 4\ncheckpoint: 10\n');
    const file = path.join(cwd, 'jupiter.config.yaml');
    expect(failure(() => resolve({}, {}, cwd)).message).toBe(
      `--checkpoint 10 (config file ${file}, checkpoint:) is larger than --iterations 4 (config file ${file}, iterations:): use a value from 1 to 4, or 0 for no checkpoints`,
    );
    expect(failure(() => resolve({ checkpoint: '6' }, {}, cwd)).message).toMatch(
      /^--checkpoint 6 \(flag\) is larger than --iterations 4 \(config file .*, iterations:\)/,
    );
    expect(failure(() => resolve({}, { JUPITER_CHECKPOINT: '9', JUPITER_ITERATIONS: '2' })).message).toMatch(
      /^--checkpoint 9 \(environment, JUPITER_CHECKPOINT\) is larger than --iterations 2 \(environment, JUPITER_ITERATIONS\)/,
    );
  });

  it('accepts checkpoint 0 (no checkpoints)', () => {
    expect(resolve({ checkpoint: '0' }).checkpoint).toBe(0);
  });

  it('refuses bad numbers from the environment and the file too', () => {
    expect(failure(() => resolve({}, { JUPITER_ITERATIONS: 'many' })).message).toMatch(/whole number, got "many"/);
    expect(failure(() => resolve({}, {}, dirWith('iterations: 0\n'))).message).toMatch(/at least 1/);
  });

  it('refuses an API key in the config file, naming the environment variable', () => {
    for (const key of ['apiKey', 'api_key']) {
      const cwd = dirWith(`model: m\n${key}: sk-should-not-be-here-123\n`);
      const err = failure(() => resolve({}, {}, cwd));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toContain(`${path.join(cwd, 'jupiter.config.yaml')}:2:`);
      expect(err.message).toContain('JUPITER_API_KEY');
      expect(err.message).not.toContain('sk-should-not-be-here-123');
    }
  });

  it('names file:line for an unknown setting', () => {
    const cwd = dirWith('iterations: 5\nmodel: m\niteratons: 7\n');
    const err = failure(() => resolve({}, {}, cwd));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${path.join(cwd, 'jupiter.config.yaml')}:3: unknown setting "iteratons"`);
  });

  it('finds the line of a quoted or spaced unknown key', () => {
    const cwd = dirWith('model: m\n"iteratons": 7\nchekpoint : 2\n');
    expect(failure(() => resolve({}, {}, cwd)).message).toMatch(/jupiter\.config\.yaml:2: unknown setting "iteratons"/);
    const spaced = dirWith('model: m\nchekpoint : 2\n');
    expect(failure(() => resolve({}, {}, spaced)).message).toMatch(/jupiter\.config\.yaml:2: unknown setting "chekpoint"/);
  });

  it('reads the config like every other file a person writes: a flow mapping key has its line, bad UTF-8 is named', () => {
    // The key is on line 3 inside a flow mapping: the parsed document knows, a line-by-line regex did not.
    const flow = dirWith('# settings\n{ model: m,\n  iteratons: 7 }\n');
    expect(failure(() => resolve({}, {}, flow)).message).toMatch(/jupiter\.config\.yaml:3: unknown setting "iteratons"/);
    const latin1 = dirWith('');
    writeFileSync(path.join(latin1, 'jupiter.config.yaml'), Buffer.from([0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(failure(() => resolve({}, {}, latin1)).message).toMatch(/jupiter\.config\.yaml:1: config file is not valid UTF-8 text/);
  });

  it('names file:line for invalid YAML', () => {
    const cwd = dirWith('iterations: 5\nmodel: [unclosed\nmemory: x\n');
    const err = failure(() => resolve({}, {}, cwd)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(new RegExp(`^${path.join(cwd, 'jupiter.config.yaml').replace(/[.\\/]/g, '\\$&')}:\\d+: invalid YAML`));
    expect(err.line).toBeGreaterThanOrEqual(2);
  });

  it('refuses a config file that is not a mapping', () => {
    const err = failure(() => resolve({}, {}, dirWith('- a\n- b\n')));
    expect(err.message).toMatch(/jupiter\.config\.yaml:1: expected a mapping/);
  });

  it('treats an empty config file as no settings', () => {
    expect(resolve({}, {}, dirWith('')).iterations).toBe(SETTINGS.iterations.default);
  });
});

describe('retry backoff', () => {
  it('defaults to 500 ms; the config file sets it, JUPITER_BACKOFF_MS overrides it, nonsense is refused', () => {
    expect(resolve().backoffMs).toBe(SETTINGS.backoffMs.default);
    expect(resolve({}, {}, dirWith('backoffMs: 250\n')).backoffMs).toBe(250);
    expect(resolve({}, { JUPITER_BACKOFF_MS: '20' }, dirWith('backoffMs: 250\n')).backoffMs).toBe(20);
    expect(failure(() => resolve({}, { JUPITER_BACKOFF_MS: 'soon' }))).toBeInstanceOf(UsageError);
  });
});
