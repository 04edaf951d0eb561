// Options shared by several commands, and turning commander's values into a resolved config.
import type { Command } from 'commander';
import { type FlagValues, type ResolvedConfig, resolveConfig } from '../config.js';
import type { Cli } from './io.js';

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

/** Flags + this run's environment and folder + the config file -> one resolved config. */
export function configFrom(cli: Cli, opts: FlagValues): ResolvedConfig {
  return resolveConfig({ flags: opts, env: cli.io.env, cwd: cli.io.cwd });
}

/** Collects a repeatable flag such as `--base-url` (several replicas of one model). */
export function collectUrls(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
