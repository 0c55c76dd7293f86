import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseYaml } from '../config/yaml-validate.js';
import { ClawdeckError } from '../protocol/errors.js';

const semver = z.string().regex(/^\d+\.\d+\.\d+$/, 'must be an exact version like 24.21.0');
const size = z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?[kmg]?$/i, 'must be bytes or like "4g", "512m"')]);

// blueprint.yaml: what the sandbox image is made of (the built image's digest lives in the state dir).
export const blueprintSchema = z.strictObject({
  blueprint_version: z.number().int().min(1),
  openclaw_version: z.string().regex(/^[0-9][0-9.]*[0-9](-[0-9A-Za-z.]+)?$/, 'must be an exact OpenClaw version'),
  node_version: semver.refine((v) => {
    const [maj = 0, min = 0] = v.split('.').map(Number);
    return maj > 24 || (maj === 24 && min >= 16);
  }, 'OpenClaw needs Node >= 24.16'),
  npm_version: semver,
  base_image: z.string().min(1),
  default_policy: z.string().min(1),
  image: z.string().regex(/^[a-z0-9][a-z0-9._\/-]*$/, 'must be an image repository name'),
  resources: z.strictObject({
    memory: size,
    cpus: z.number().positive().max(256),
    pids: z.number().int().min(64).max(1_000_000),
  }),
});
export type BlueprintFile = z.infer<typeof blueprintSchema>;

export interface Blueprint extends BlueprintFile {
  dir: string;
  // clawdeck/openclaw:<openclaw>-bp<blueprint>: a version change in blueprint.yaml means a new image.
  tag: string;
}

// The blueprint shipped with clawdeck: the nearest blueprints/openclaw above this module (src/ or dist/src/).
export const defaultBlueprintDir = (): string => {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const c = join(d, 'blueprints', 'openclaw');
    if (existsSync(join(c, 'blueprint.yaml'))) return c;
    d = dirname(d);
  }
  throw new ClawdeckError('SANDBOX_BLUEPRINT_MISSING', 'blueprints/openclaw/blueprint.yaml was not found next to clawdeck', {
    hint: 'Reinstall clawdeck, or set sandbox.blueprint in config.yaml to a blueprint directory',
    kind: 'bug',
  });
};

// Reads and validates blueprint.yaml; errors carry file:line:col.
export const loadBlueprint = (dir: string = defaultBlueprintDir(), baseImageOverride?: string): Blueprint => {
  const file = join(resolve(dir), 'blueprint.yaml');
  const r = parseYaml(readFileSync(file, 'utf8'), file, blueprintSchema);
  if (!r.ok) {
    const e = r.errors[0]!;
    throw new ClawdeckError('SANDBOX_BLUEPRINT_INVALID', `${file}:${e.line}:${e.col}: ${e.message}`, {
      hint: 'Fix blueprint.yaml (see the comments in it)',
      where: r.errors.map(({ file, line, col }) => ({ file, line, col })),
    });
  }
  const v = r.value;
  return {
    ...v,
    base_image: baseImageOverride ?? v.base_image,
    dir: resolve(dir),
    tag: `${v.image}:${v.openclaw_version}-bp${v.blueprint_version}`,
  };
};

// "4g" → bytes, for the container's memory limit.
export const parseSize = (s: number | string): number => {
  if (typeof s === 'number') return s;
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(s)!;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
};
