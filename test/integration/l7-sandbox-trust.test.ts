import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeHome, type TestHome } from '../helpers/home.js';
import { docker, dockerAvailable } from '../helpers/docker.js';
import { sandboxCaDir } from '../../src/egress/service.js';
import { TRUST_FILES } from '../../src/egress/sandbox-trust.js';
import { containerSpec, CONFIG_MOUNT } from '../../src/sandbox/container.js';
import { loadBlueprint } from '../../src/sandbox/blueprint.js';
import { sandboxConfigDir } from '../../src/sandbox/state.js';

// The CA lifecycle through a real daemon, and the sandbox plan (mounts + env) carrying only the public cert.
let home: TestHome;
let keyPem: string;
let certPem: string;

// A line from the middle of the key's base64: enough to find any copy of it.
const keyNeedle = (): string => keyPem.split('\n')[2]!;

beforeAll(async () => {
  home = makeHome();
  const up = await home.cli(['up', '--no-sandbox']);
  expect(up.exitCode, up.stderr).toBe(0);
  keyPem = readFileSync(join(sandboxCaDir(home.paths), 'ca.key'), 'utf8');
  certPem = readFileSync(join(sandboxCaDir(home.paths), 'ca.crt'), 'utf8');
}, 60_000);
afterAll(async () => {
  await home?.cleanup();
});

describe('sandbox CA lifecycle and trust', () => {
  it('the daemon creates the CA in the state dir (key 0600) and keeps it across restarts', async () => {
    expect(statSync(join(sandboxCaDir(home.paths), 'ca.key')).mode & 0o777).toBe(0o600);
    expect(keyPem).toContain('PRIVATE KEY');
    expect((await home.cli(['down'])).exitCode).toBe(0);
    expect((await home.cli(['up', '--no-sandbox'])).exitCode).toBe(0);
    expect(readFileSync(join(sandboxCaDir(home.paths), 'ca.crt'), 'utf8')).toBe(certPem);
  }, 60_000);

  it('the mounted config dir holds the cert and a bundle with it, never the key', () => {
    const etc = sandboxConfigDir(home.paths);
    expect(readFileSync(join(etc, TRUST_FILES.ca), 'utf8')).toBe(certPem);
    const bundle = readFileSync(join(etc, TRUST_FILES.bundle), 'utf8');
    expect(bundle).toContain(certPem.trim());
    expect(bundle.match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThan(100);
    for (const f of [TRUST_FILES.ca, TRUST_FILES.bundle]) expect(readFileSync(join(etc, f), 'utf8')).not.toMatch(/PRIVATE KEY|BEGIN EC/);
  });

  it('the container plan mounts no path holding the key and its env names only the cert files', () => {
    const bp = loadBlueprint();
    const spec = containerSpec(home.paths, bp, bp.tag, 'token');
    const caDir = sandboxCaDir(home.paths);
    for (const b of spec.HostConfig!.Binds!) {
      const src = b.split(':')[0]!;
      expect(caDir.startsWith(src + '/') || caDir === src, `bind ${b} covers the CA dir`).toBe(false);
    }
    const env = spec.Env!;
    expect(env).toContain(`NODE_EXTRA_CA_CERTS=${CONFIG_MOUNT}/${TRUST_FILES.ca}`);
    expect(env).toContain(`SSL_CERT_FILE=${CONFIG_MOUNT}/${TRUST_FILES.bundle}`);
    expect(env).toContain(`REQUESTS_CA_BUNDLE=${CONFIG_MOUNT}/${TRUST_FILES.bundle}`);
    expect(env.join('\n')).not.toContain(keyNeedle());
    expect(env.join('\n')).not.toContain('ca.key');
  });

  it('inside a real container from the sandbox image: the cert is readable at the env paths, the key is nowhere', async (t) => {
    if (!(await dockerAvailable())) return t.skip();
    const bp = loadBlueprint();
    if (!(await docker.getImage(bp.tag).inspect().then(() => true, () => false))) return t.skip();
    const spec = containerSpec(home.paths, bp, bp.tag, 'token');
    const name = `${spec.name}-l7trust`;
    // The sandbox's own mounts and env, with a sleeping entrypoint instead of the gateway.
    const c = await docker.createContainer({ ...spec, name, Entrypoint: ['sleep', '120'], Cmd: [], HostConfig: { ...spec.HostConfig, SecurityOpt: ['no-new-privileges'] } });
    try {
      await c.start();
      const sh = (cmd: string, user = '1000:1000') => execa('docker', ['exec', '-u', user, name, 'sh', '-c', cmd], { reject: false, timeout: 60_000 });
      const env = await sh('env');
      expect(env.stdout).toContain(`NODE_EXTRA_CA_CERTS=${CONFIG_MOUNT}/${TRUST_FILES.ca}`);
      expect((await sh('cat "$NODE_EXTRA_CA_CERTS"')).stdout.trim()).toBe(certPem.trim());
      expect((await sh('grep -c "BEGIN CERTIFICATE" "$SSL_CERT_FILE"')).stdout.trim()).not.toBe('0');
      // Whole filesystem (as root) and every process environment: no line of the key.
      const fs = await sh(`grep -rIlF -- '${keyNeedle()}' / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev 2>/dev/null; echo done`, '0');
      expect(fs.stdout.trim()).toBe('done');
      const envs = await sh(`cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -cF -- '${keyNeedle()}'`, '0');
      expect(envs.stdout.trim()).toBe('0');
      expect(existsSync(join(sandboxCaDir(home.paths), 'ca.key'))).toBe(true);
    } finally {
      await c.remove({ force: true });
    }
  }, 120_000);
});
