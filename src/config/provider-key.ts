import { existsSync, readFileSync } from 'node:fs';
import type { ProviderConfig } from './schema.js';

// Where a provider's key would come from, without reading it into anything printable: "$VAR" or the file.
export const providerKeyPresent = (p: ProviderConfig, env: NodeJS.ProcessEnv = process.env): string | null => {
  if (p.key_env && env[p.key_env]) return `$${p.key_env}`;
  if (p.key_file && existsSync(p.key_file)) return p.key_file;
  return null;
};

// Reads a provider's key for the upstream request; only the daemon calls this.
export const readProviderKey = (p: ProviderConfig, env: NodeJS.ProcessEnv = process.env): string | undefined => {
  if (p.key_env && env[p.key_env]) return env[p.key_env];
  if (p.key_file && existsSync(p.key_file)) return readFileSync(p.key_file, 'utf8').trim();
  return undefined;
};
