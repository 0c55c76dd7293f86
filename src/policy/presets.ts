import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYaml } from '../config/yaml-validate.js';
import { ClawdeckError } from '../protocol/errors.js';
import { presetFileSchema, type PresetFile } from './schema.js';

// The package root (holds blueprints/), found from this module whether it runs from src/ or dist/src/.
export const packageRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'blueprints'))) return dir;
    dir = dirname(dir);
  }
  throw new ClawdeckError('INSTALL_BROKEN', 'cannot find clawdeck\'s blueprints directory', { kind: 'bug' });
};

// The shipped default policy (copied to the policy file on first start).
export const defaultPolicyFile = (): string => join(packageRoot(), 'blueprints', 'openclaw', 'policy.yaml');

// Where preset files live (one YAML file per preset, NemoClaw's preset format).
export const presetDir = (): string => join(packageRoot(), 'blueprints', 'openclaw', 'presets');

export interface PresetInfo {
  name: string;
  description: string;
  file: string;
}

// Lists the shipped presets by file name.
export const listPresets = async (dir = presetDir()): Promise<PresetInfo[]> => {
  const out: PresetInfo[] = [];
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.yaml')).sort()) {
    const p = await loadPresetFile(join(dir, f));
    out.push({ name: f.slice(0, -'.yaml'.length), description: p.preset.description ?? '', file: join(dir, f) });
  }
  return out;
};

// Loads a preset file (shipped, or the operator's own in NemoClaw's format); errors carry file:line:col.
export const loadPresetFile = async (file: string): Promise<PresetFile> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ClawdeckError('PRESET_NOT_FOUND', `cannot read preset file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = parseYaml(text, file, presetFileSchema);
  if (!r.ok) {
    throw new ClawdeckError('PRESET_INVALID', `preset ${file} is invalid: ${r.errors[0]?.message}`, {
      where: r.errors.map(({ file: f, line, col }) => ({ file: f, line, col })),
    });
  }
  return r.value;
};

// Loads a preset by name; unknown names list the ones that exist.
export const loadPreset = async (name: string, dir = presetDir()): Promise<PresetFile> => {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name) || !existsSync(join(dir, `${name}.yaml`))) {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -5));
    throw new ClawdeckError('PRESET_NOT_FOUND', `no preset named "${name}"`, { hint: `Presets: ${names.sort().join(', ')}` });
  }
  return loadPresetFile(join(dir, `${name}.yaml`));
};
