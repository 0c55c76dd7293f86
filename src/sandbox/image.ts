import { Transform } from 'node:stream';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';
import { ClawdeckError } from '../protocol/errors.js';
import type { Blueprint } from './blueprint.js';
import { prepareContext } from './build-context.js';

export interface BuildProgress {
  step: number;
  steps: number;
  text: string;
  contextBytes: number;
  elapsedMs: number;
}

export interface BuiltImage {
  id: string;
  size: number;
  seconds: number;
}

// The image's id and size when it exists locally, else null.
export const inspectImage = async (docker: Docker, ref: string): Promise<{ id: string; size: number } | null> => {
  try {
    const i = await docker.getImage(ref).inspect();
    return { id: i.Id, size: i.Size };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw e;
  }
};

// The base image must be local (no registry here); the hint says how to make one.
export const requireBaseImage = async (docker: Docker, bp: Blueprint): Promise<void> => {
  if (await inspectImage(docker, bp.base_image)) return;
  throw new ClawdeckError('SANDBOX_BASE_IMAGE_MISSING', `the base image ${bp.base_image} is not present`, {
    hint: 'Build it locally: scripts/build-base-image.sh (debootstrap), or `docker pull debian:bookworm-slim` and set sandbox.base_image',
  });
};

// Builds the blueprint image from a fresh context, reporting steps, bytes sent and elapsed time.
export const buildImage = async (
  docker: Docker,
  bp: Blueprint,
  workDir: string,
  caFile: string | null,
  onProgress: (p: BuildProgress) => void,
): Promise<BuiltImage> => {
  const started = Date.now();
  await requireBaseImage(docker, bp);
  const ctxDir = join(workDir, 'context');
  await prepareContext(bp, ctxDir, caFile);
  const progress: BuildProgress = { step: 0, steps: 0, text: 'sending context', contextBytes: 0, elapsedMs: 0 };
  const emit = (): void => onProgress({ ...progress, elapsedMs: Date.now() - started });
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      progress.contextBytes += chunk.length;
      cb(null, chunk);
    },
  });
  // Fixed owner and mtime: the builder's layer cache keys on file headers, and the copies are new each time.
  const tar = pack(ctxDir, {
    map: (h) => ({ ...h, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: new Date(0) }),
  }).pipe(counter);
  const stream = await docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
    t: bp.tag,
    rm: true,
    forcerm: true,
    buildargs: {
      BASE_IMAGE: bp.base_image,
      OPENCLAW_VERSION: bp.openclaw_version,
      BLUEPRINT_VERSION: String(bp.blueprint_version),
    },
  });
  const tick = setInterval(emit, 1000);
  let failure: string | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (ev: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (ev.error) failure = ev.errorDetail?.message ?? ev.error;
          const m = ev.stream && /^Step (\d+)\/(\d+) : (.*)/.exec(ev.stream.trim());
          if (m) {
            progress.step = Number(m[1]);
            progress.steps = Number(m[2]);
            progress.text = m[3]!.slice(0, 120);
            emit();
          }
        },
      );
    });
  } finally {
    clearInterval(tick);
    rmSync(ctxDir, { recursive: true, force: true });
  }
  if (failure) {
    throw new ClawdeckError('SANDBOX_BUILD_FAILED', `image build failed at step ${progress.step}/${progress.steps}: ${failure.trim()}`, {
      hint: 'Check that the npm registry and a Debian mirror are reachable; for TLS inspection set sandbox.extra_ca_file. Then clawdeck up --rebuild',
    });
  }
  const img = await inspectImage(docker, bp.tag);
  if (!img) throw new ClawdeckError('SANDBOX_BUILD_FAILED', `the build finished but ${bp.tag} is missing`, { kind: 'bug' });
  return { ...img, seconds: (Date.now() - started) / 1000 };
};
