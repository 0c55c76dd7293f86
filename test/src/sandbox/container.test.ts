import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths } from '../../../src/config/paths.js';
import { loadBlueprint } from '../../../src/sandbox/blueprint.js';
import { removeContainer, STOP_GRACE_S } from '../../../src/sandbox/container.js';
import { sandboxNames } from '../../../src/sandbox/state.js';
import { docker, dockerAvailable, ensureBaseImage } from '../../helpers/docker.js';

const hasDocker = await dockerAvailable();

describe.skipIf(!hasDocker)('removeContainer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clawdeck-stop-'));
  const paths = resolvePaths({ ...process.env, CLAWDECK_HOME: dir });
  const name = sandboxNames(paths).container;
  afterAll(async () => {
    await docker.getContainer(name).remove({ force: true }).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('Sends SIGTERM and waits long enough for a gateway that needs 8s to shut down cleanly (no SIGKILL at 5s)', async () => {
    expect(STOP_GRACE_S).toBeGreaterThanOrEqual(20);
    await ensureBaseImage();
    // A process that takes 8 s after SIGTERM to release its locks, then records a clean exit on a host dir.
    const c = await docker.createContainer({
      name,
      Image: loadBlueprint().base_image,
      Cmd: ['/bin/sh', '-c', 'trap "sleep 8; echo clean > /out/exit; exit 0" TERM; echo up > /out/started; while :; do sleep 0.2; done'],
      HostConfig: { Binds: [`${dir}:/out`] },
    });
    await c.start();
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(dir, 'started')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await removeContainer(docker, paths);
    expect(existsSync(join(dir, 'exit')) ? readFileSync(join(dir, 'exit'), 'utf8').trim() : 'killed').toBe('clean');
    await expect(docker.getContainer(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);
});
