import type Docker from 'dockerode';
import type { Config } from '../config/schema.js';
import { loadBlueprint } from './blueprint.js';
import { inspectImage } from './image.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const mb = (n: number): string => `${Math.round(n / 1024 ** 2)} MB`;

// doctor: is the base image there (needed to build), is the blueprint image built (else up builds it)?
export const checkSandboxImages = async (config: Config, docker?: Docker): Promise<Check[]> => {
  docker ??= new (await import('dockerode')).default();
  let bp;
  try {
    bp = loadBlueprint(config.sandbox.blueprint, config.sandbox.base_image);
  } catch (e) {
    return [{ name: 'blueprint', ok: false, detail: (e as Error).message }];
  }
  try {
    const [base, image] = await Promise.all([inspectImage(docker, bp.base_image), inspectImage(docker, bp.tag)]);
    return [
      {
        name: 'base-image',
        // Only needed to build: a present blueprint image runs without it.
        ok: base !== null || image !== null,
        detail: base
          ? `${bp.base_image} present (${mb(base.size)})`
          : `${bp.base_image} missing: build it without a registry with scripts/build-base-image.sh (debootstrap, ~1 min), or docker pull debian:bookworm-slim and set sandbox.base_image`,
      },
      {
        name: 'sandbox-image',
        ok: true,
        detail: image
          ? `${bp.tag} present (${mb(image.size)}, ${image.id.slice(0, 19)})`
          : `${bp.tag} not built yet: clawdeck up builds it (a few minutes, needs the npm registry and a Debian mirror)`,
      },
    ];
  } catch (e) {
    return [{ name: 'sandbox-image', ok: false, detail: `cannot ask Docker: ${(e as Error).message}` }];
  }
};
