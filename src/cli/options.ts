// Options shared by several commands, and turning commander's values into a resolved config.
import type { Command } from 'commander';
import { resolveConfig, type FlagValues, type ResolvedConfig } from '../config.js';

export function withMemory(cmd: Command): Command {
  return cmd.option('--memory <dir>', 'memory folder (default ./memory)');
}
export function withProcedures(cmd: Command): Command {
  return cmd.option('--procedures <dir>', 'procedures folder (default ./procedures, else the shipped ones)');
}
export function withJson(cmd: Command): Command {
  return cmd.option('--json', 'machine-readable JSON output');
}
export function withConfig(cmd: Command): Command {
  return cmd.option('--config <file>', 'config file (default ./jupiter.config.yaml)');
}

export function configFrom(opts: FlagValues): ResolvedConfig {
  return resolveConfig({ flags: opts });
}

/** Collects a repeatable flag such as `--base-url` (several replicas of one model). */
export function collectUrls(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Writes one line to stdout. */
export function out(line = ''): void {
  process.stdout.write(line + '\n');
}
