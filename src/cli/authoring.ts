// Where `procedures new` and `procedures import` put a new set, and how they ask before replacing a file.
import { existsSync, readdirSync } from 'node:fs';
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

/**
 * Said once a new set is written into a folder that did not exist while the shipped sets were in use: from then on
 * the folder replaces them here (`./procedures, else the shipped ones`). Call before writing; null when nothing changes.
 */
export function shadowNote(proceduresDir: string, cwd: string, target: string): string | null {
  const shipped = shippedProceduresDir();
  const local = path.resolve(cwd, 'procedures');
  if (path.resolve(proceduresDir) !== path.resolve(shipped) || path.resolve(target) !== local || existsSync(local)) return null;
  const sets = readdirSync(shipped)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
  return `note: ${target} is new: jupiter here now uses it instead of the shipped procedures (${sets.join(', ')}); \`jupiter init\` copies them in beside it`;
}

/** A terminal question before replacing a file; undefined without a terminal (the caller then refuses). */
export function terminalConfirmOverwrite(cli: Cli): ConfirmOverwrite | undefined {
  if (!cli.io.stdin.isTTY) return undefined;
  return async (file) => {
    const { confirm } = await import('@inquirer/prompts');
    return confirm({ message: `${file} exists. Replace it?`, default: false }, { input: cli.io.stdin, output: cli.promptOutput });
  };
}
