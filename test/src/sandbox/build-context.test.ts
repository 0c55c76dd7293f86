import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBlueprint } from '../../../src/sandbox/blueprint.js';
import { prepareContext, warmupEnv } from '../../../src/sandbox/build-context.js';
import { sandboxEnv } from '../../../src/sandbox/container.js';
import { buildOpenClawConfig } from '../../../src/sandbox/openclaw-config.js';

const dir = mkdtempSync(join(tmpdir(), 'clawdeck-build-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('image build context: the compile-cache warm-up', () => {
  it('boots the gateway at build time with the sandbox env (same compile cache dir), without token, state dir or CA files', () => {
    const env = warmupEnv(loadBlueprint());
    const run = sandboxEnv('tok-123', { fastResolve: true });
    const cache = run.find((e) => e.startsWith('NODE_COMPILE_CACHE='));
    expect(cache).toBe('NODE_COMPILE_CACHE=/opt/clawdeck/node-compile-cache');
    expect(env).toContain(cache);
    expect(env).toContain('OPENCLAW_PACKAGED_COMPILE_CACHE_RESPAWNED=1');
    expect(env.some((e) => /^(OPENCLAW_GATEWAY_TOKEN|OPENCLAW_STATE_DIR|OPENCLAW_CONFIG_PATH|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE)=/.test(e))).toBe(false);
    expect(env.join('\n')).not.toContain('tok-123');
    // everything else the gateway sees at run time is the same at build time
    const skipped = run.filter((e) => !env.includes(e)).map((e) => e.slice(0, e.indexOf('=')));
    expect(skipped.sort()).toEqual(
      ['AWS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'DENO_CERT', 'GIT_SSL_CAINFO', 'NODE_EXTRA_CA_CERTS', 'OPENCLAW_CONFIG_PATH', 'OPENCLAW_GATEWAY_TOKEN', 'OPENCLAW_STATE_DIR', 'PIP_CERT', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE'].sort(),
    );
  });

  it('puts warm-cache.sh, state-template.mjs, their env file and the default OpenClaw config into the context', async () => {
    const bp = loadBlueprint();
    const ctx = join(dir, 'context');
    await prepareContext(bp, ctx, null);
    for (const f of ['warm-cache.sh', 'state-template.mjs']) expect(readFileSync(join(ctx, 'warm-up', f), 'utf8')).toBe(readFileSync(join(bp.dir, f), 'utf8'));
    expect(JSON.parse(readFileSync(join(ctx, 'warm-up', 'openclaw.json'), 'utf8'))).toEqual(buildOpenClawConfig());
    const envFile = readFileSync(join(ctx, 'warm-up', 'env'), 'utf8');
    expect(envFile).toContain("NODE_COMPILE_CACHE='/opt/clawdeck/node-compile-cache'\n");
    expect(envFile.trim().split('\n')).toHaveLength(warmupEnv(bp).length);
    expect(envFile).toContain("NODE_OPTIONS='--max-semi-space-size=64 --import=/opt/clawdeck/fast-resolve.mjs'\n");
    expect(readFileSync(join(ctx, 'fast-resolve.mjs'), 'utf8')).toBe(readFileSync(join(bp.dir, 'fast-resolve.mjs'), 'utf8'));
    expect(readFileSync(join(ctx, 'Dockerfile'), 'utf8')).toContain('RUN sh /opt/clawdeck/warm-up/warm-cache.sh');
  });

  it('builds a custom blueprint made from an older copy of ours (no fast-resolve.mjs, no state template)', async () => {
    const custom = join(dir, 'custom-blueprint');
    cpSync(loadBlueprint().dir, custom, { recursive: true });
    rmSync(join(custom, 'fast-resolve.mjs'));
    rmSync(join(custom, 'state-template.mjs'));
    const bp = loadBlueprint(custom);
    const ctx = join(dir, 'context-custom');
    await prepareContext(bp, ctx, null);
    expect(existsSync(join(ctx, 'fast-resolve.mjs'))).toBe(false);
    expect(existsSync(join(ctx, 'warm-up', 'state-template.mjs'))).toBe(false);
    // Its Node is not told to preload a file its image does not have, at build time or at run time.
    expect(readFileSync(join(ctx, 'warm-up', 'env'), 'utf8')).toContain("NODE_OPTIONS='--max-semi-space-size=64'\n");
    expect(sandboxEnv('t', { fastResolve: false })).toContain('NODE_OPTIONS=--max-semi-space-size=64');
  });
});
