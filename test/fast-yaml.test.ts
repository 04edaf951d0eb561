import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../src/core/fast-yaml.js';

describe('toYaml', () => {
  it('reads back exactly as written, for any JSON-like mapping', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.constantFrom(
          'true',
          'null',
          'yes',
          '- x',
          'a: b',
          '#c',
          ' lead',
          'trail ',
          '0x1F',
          '1e3',
          '',
          '"q"',
          "'s'",
          'x #y',
          '[1]',
          '{a}',
          '*ref',
          '&anc',
          '!tag',
          '%p',
          '@at',
          '`b`',
        ),
      ),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 })),
    }));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value.node, { maxKeys: 6 }), (v) => {
        expect(parse(toYaml(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 500, seed: 42 },
    );
  });

  it('writes plain, readable YAML for ordinary plans', () => {
    expect(toYaml({ title: 'Deploy the orchestrator', steps: [{ action: 'run-tests', owner: 'Sam Lee' }], empty: [] })).toBe(
      'title: Deploy the orchestrator\nsteps:\n  - action: run-tests\n    owner: Sam Lee\nempty: []\n',
    );
  });
});
