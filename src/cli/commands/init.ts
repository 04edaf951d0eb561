// `jupiter init`: scaffolds jupiter.config.yaml, memory/ and procedures/ (a copy of the shipped sets) in this folder.
import type { Command } from 'commander';
import { constants, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_FILE } from '../../config/layers.js';
import { shippedProceduresDir } from '../../config/resolve.js';
import { InputError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs/atomic.js';
import { Memory } from '../../memory/store.js';
import type { Cli } from '../io.js';

const CONFIG = `# jupiter settings for this folder. Flags override these; API keys belong in the environment, never here.
# goal: Deploy the orchestrator
iterations: 20
checkpoint: 10
provider: builtin        # builtin | openai | fireworks | vllm | ollama | lmstudio | llamacpp | custom
# model: gpt-4o-mini
# base_url: http://localhost:8000/v1
context_budget: 4000     # most tokens of memory in one prompt
# max_cost: 5            # USD; the run stops before exceeding it
memory: memory
procedures: procedures
# prices:                # USD per 1M tokens, per model
#   my-model: { input: 0.5, output: 1.5, cachedInput: 0.25 }
`;

export function registerInit(program: Command, cli: Cli): void {
  const { out } = cli;
  program
    .command('init')
    .description('scaffold jupiter.config.yaml, memory/ and procedures/ here')
    .option('--force', 'overwrite an existing jupiter.config.yaml')
    .action(
      cli.action(async (opts: { force?: boolean }) => {
        const cwd = cli.io.cwd;
        const configFile = path.join(cwd, CONFIG_FILE);
        if (existsSync(configFile) && !opts.force) out(`kept      ${CONFIG_FILE} (exists; --force to overwrite)`);
        else {
          // Atomic, and never through a link put in its place.
          await writeFileAtomic(configFile, CONFIG);
          out(`created   ${CONFIG_FILE}`);
        }
        const procDir = path.join(cwd, 'procedures');
        await mkdir(procDir, { recursive: true });
        for (const f of await readdir(shippedProceduresDir())) {
          const dest = path.join(procDir, f);
          if (existsSync(dest)) out(`kept      procedures/${f}`);
          else {
            // Exclusive: a dangling link at dest (existsSync says no) is refused, not followed.
            await copyFile(path.join(shippedProceduresDir(), f), dest, constants.COPYFILE_EXCL).catch((err: unknown) => {
              if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
              throw new InputError('is a link to a file that does not exist; jupiter writes no file through a link (remove it)', { file: dest });
            });
            out(`created   procedures/${f}`);
          }
        }
        const memoryDir = path.join(cwd, 'memory');
        const existed = existsSync(memoryDir);
        await Memory.open(memoryDir);
        out(existed ? 'kept      memory/ (exists)' : 'created   memory/ (see memory/README.md)');
        out('\nNext: jupiter procedures   (check the procedures)\n      jupiter plan "Deploy the orchestrator" -n 20 -c 5');
      }),
    );
}
