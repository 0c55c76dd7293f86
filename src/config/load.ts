import { readFileSync, existsSync } from 'node:fs';
import { ClawdeckError } from '../protocol/errors.js';
import { parseYaml } from './yaml-validate.js';
import { configSchema, type Config } from './schema.js';

// Loads config.yaml (absent = defaults); invalid files throw CONFIG_INVALID with every file:line:col.
export const loadConfig = (file: string): Config => {
  if (!existsSync(file)) return configSchema.parse({});
  const result = parseYaml(readFileSync(file, 'utf8'), file, configSchema);
  if (result.ok) return result.value;
  throw new ClawdeckError(
    'CONFIG_INVALID',
    `${file} is not valid: ${result.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('; ')}`,
    { hint: 'Fix the lines above (see README "Configuration"), then retry.', where: result.errors },
  );
};
