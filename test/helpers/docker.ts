import Docker from 'dockerode';
import { execa } from 'execa';
import { join } from 'node:path';
import { loadBlueprint } from '../../src/sandbox/blueprint.js';

export const docker = new Docker();

// Docker present? Under CI=true a missing engine is a failure, never a skip.
export const dockerAvailable = async (): Promise<boolean> => {
  const ok = await docker.ping().then(() => true, () => false);
  if (!ok && process.env.CI === 'true') throw new Error('CI=true but no Docker engine answers: sandbox tests must run in CI');
  return ok;
};

// The local base image (debootstrap) must exist for the blueprint build; built once, then cached.
export const ensureBaseImage = async (): Promise<void> => {
  const bp = loadBlueprint();
  const have = await docker.getImage(bp.base_image).inspect().then(() => true, () => false);
  if (have) return;
  await execa(join(import.meta.dirname, '..', '..', 'scripts', 'build-base-image.sh'), { env: { CLAWDECK_BASE_IMAGE: bp.base_image } });
};

// Runs a command in a container as the agent user (uid 1000) and returns its result without throwing.
export const dexec = (container: string, cmd: string[], user = '1000:1000') =>
  execa('docker', ['exec', '-u', user, container, ...cmd], { reject: false, timeout: 30_000 });
