import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { randomBytes, createHash } from 'node:crypto';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Paths } from '../config/paths.js';

// Where the sandbox keeps its host-side state: gateway token, the built image record, generated config.
export const sandboxStateDir = (paths: Paths): string => join(paths.stateDir, 'sandbox');
// Mounted read-only at /etc/clawdeck: openclaw.json and landlock.rules (no secrets).
export const sandboxConfigDir = (paths: Paths): string => join(paths.stateDir, 'sandbox', 'etc');

// Container and volume names are per clawdeck home, so several homes (tests) never collide.
export const sandboxNames = (paths: Paths): { container: string; volume: string; homeId: string } => {
  const homeId = createHash('sha256').update(paths.stateDir).digest('hex').slice(0, 12);
  return { container: `clawdeck-sandbox-${homeId}`, volume: `clawdeck-sandbox-${homeId}-home`, homeId };
};

// The per-sandbox gateway token (0600 on the host); created once, reused across restarts.
export const gatewayToken = (paths: Paths): string => {
  const dir = sandboxStateDir(paths);
  const file = join(dir, 'gateway-token');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const t = randomBytes(32).toString('base64url');
  writeFileAtomic.sync(file, t + '\n', { mode: 0o600 });
  return t;
};

export interface ImageRecord {
  tag: string;
  id: string;
  blueprint_version: number;
  openclaw_version: string;
  built_at: string;
  build_seconds: number | null;
  size_bytes: number;
}

const imageFile = (paths: Paths): string => join(sandboxStateDir(paths), 'image.json');

// The digest of the image the last build produced (status shows it; blueprint.yaml stays unchanged).
export const readImageRecord = (paths: Paths): ImageRecord | null => {
  try {
    return JSON.parse(readFileSync(imageFile(paths), 'utf8')) as ImageRecord;
  } catch {
    return null;
  }
};

export const writeImageRecord = (paths: Paths, r: ImageRecord): void => {
  mkdirSync(sandboxStateDir(paths), { recursive: true, mode: 0o700 });
  writeFileAtomic.sync(imageFile(paths), JSON.stringify(r, null, 2) + '\n', { mode: 0o600 });
};
