import { describe, expect, it } from 'vitest';
import { checkSandboxImages } from '../../../src/sandbox/doctor.js';
import { configSchema } from '../../../src/config/schema.js';
import { dockerAvailable, ensureBaseImage } from '../../helpers/docker.js';

const hasDocker = await dockerAvailable();

describe.skipIf(!hasDocker)('doctor: sandbox images', () => {
  it('Reports the local base image as present', async () => {
    await ensureBaseImage();
    const checks = await checkSandboxImages(configSchema.parse({}));
    const base = checks.find((c) => c.name === 'base-image')!;
    expect(base.ok).toBe(true);
    expect(base.detail).toMatch(/clawdeck\/base:bookworm present/);
    expect(checks.find((c) => c.name === 'sandbox-image')).toBeDefined();
  });

  it('Points at scripts/build-base-image.sh when the base image is missing', async () => {
    const checks = await checkSandboxImages(configSchema.parse({ sandbox: { base_image: 'clawdeck/base:does-not-exist' } }));
    const base = checks.find((c) => c.name === 'base-image')!;
    expect(base.detail).toMatch(/missing: build it .*scripts\/build-base-image\.sh/);
  });
});
