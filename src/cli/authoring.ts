// Where `procedures new` and `procedures import` put a new set, and how they ask before replacing a file.
import path from 'node:path';
import { shippedProceduresDir } from '../config/resolve.js';
import type { ConfirmOverwrite } from '../procedures/author/write.js';
import type { Cli } from './io.js';

/**
 * The configured procedures folder, except the shipped one inside the package: a new set belongs to the person's
 * project, so it goes to ./procedures there.
 */
export function authoringDir(proceduresDir: string, cwd: string): string {
  return path.resolve(proceduresDir) === path.resolve(shippedProceduresDir()) ? path.join(cwd, 'procedures') : proceduresDir;
}

/** A terminal question before replacing a file; undefined without a terminal (the caller then refuses). */
export function terminalConfirmOverwrite(cli: Cli): ConfirmOverwrite | undefined {
  if (!cli.io.stdin.isTTY) return undefined;
  return async (file) => {
    const { confirm } = await import('@inquirer/prompts');
    return confirm({ message: `${file} exists. Replace it?`, default: false }, { input: cli.io.stdin, output: cli.promptOutput });
  };
}
