// The zod schema of the settings a session saves, made from the table's rows (settings.ts): a setting added to the
// table is checked in session files, typed and defaulted with no line here.
import { z } from 'zod';
import { PROVIDERS } from './providers.js';
import { SAVED_SETTINGS, SETTINGS, type SessionSettings, type Setting, type SettingName } from './settings.js';

/** The check of one value as its row's kind reads it (bounds and choices included). */
function valueSchema(name: SettingName, row: Setting): z.ZodType {
  switch (row.kind) {
    case 'whole': {
      let n = z.number().int();
      if (row.min !== undefined) n = n.min(row.min);
      if (row.max !== undefined) n = n.max(row.max);
      return n;
    }
    case 'amount':
      return z.number().positive().finite();
    case 'switch':
      return z.boolean();
    case 'urls':
      return z.array(z.url());
    case 'list':
      return z.array(z.enum(row.choices ?? []));
    case 'prices':
      return z.record(z.string(), z.unknown());
    case 'folder':
    case 'file':
      return z.string();
    default:
      // The provider's names are the presets' (the row's help lists them for people).
      return name === 'provider' ? z.string().refine((p) => Object.hasOwn(PROVIDERS, p), 'is not a known provider') : z.string().min(1);
  }
}

/** Whether a saved setting may be absent from a session file: no default (a folder always has a value), or a list of URLs. */
export function optionalWhenSaved(row: Setting): boolean {
  return row.kind === 'urls' || (row.default === undefined && row.kind !== 'folder' && row.kind !== 'prices');
}

function shape(): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {};
  for (const name of SAVED_SETTINGS) {
    const row: Setting = SETTINGS[name];
    const value = valueSchema(name, row);
    out[name] = optionalWhenSaved(row) ? value.optional() : value;
  }
  return out;
}

/** The settings of a session file: every saved row's check, and the one rule that joins two of them. */
export const SettingsSchema = (z.object(shape()) as unknown as z.ZodType<SessionSettings>).refine((s) => s.checkpoint <= s.iterations, {
  message: 'is larger than "settings.iterations"',
  path: ['checkpoint'],
});

/** A session's settings with every saved row's default, the folder given, and `overrides` (tests and tools build sessions). */
export function defaultSessionSettings(proceduresDir: string, overrides: Partial<SessionSettings> = {}): SessionSettings {
  const out: Record<string, unknown> = { proceduresDir };
  for (const name of SAVED_SETTINGS) {
    const row: Setting = SETTINGS[name];
    if (row.default !== undefined) out[name] = row.default;
  }
  return { ...(out as SessionSettings), ...overrides };
}
