import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeProviderConfig, makeHome, waitFor, type TestHome } from '../helpers/home.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { post } from '../helpers/inference.js';
import { isAlive } from '../../src/daemon/lifecycle.js';

const PRELOAD = join(import.meta.dirname, '..', 'fixtures', 'loaded-packages.mjs');
// Heavy modules a --no-sandbox daemon must not carry on its heap until something uses them.
const LAZY = ['dockerode', '@grpc/grpc-js', 'ssh2', '@openclaw/gateway-client', '@openclaw/gateway-protocol', 'ws', 'undici', 'tar-fs', 'execa'];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('daemon loads heavy modules only when used', () => {
  it('--no-sandbox: no Docker client, gateway client or undici at start; undici after the first routed request', async () => {
    const up = await FakeUpstream.start('fake');
    cleanups.push(() => up.close());
    const out = mkdtempSync(join(tmpdir(), 'clawdeck-loaded-'));
    cleanups.push(() => rmSync(out, { recursive: true, force: true }));
    const h: TestHome = makeHome(fakeProviderConfig({ url: up.url, keyEnv: 'FAKE_LAZY_KEY', model: 'fake-model' }));
    cleanups.push(() => h.cleanup());
    const env = { FAKE_LAZY_KEY: 'lazy-test-key-0123', LOADED_PACKAGES_DIR: out, NODE_OPTIONS: `--import ${PRELOAD}` };

    const r = await h.cli(['up', '--no-sandbox', '--json'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const { pid } = JSON.parse(r.stdout) as { pid: number };
    process.kill(pid, 'SIGUSR2');
    const atStart = (await waitFor(() => existsSync(join(out, 'start.txt')) && readFileSync(join(out, 'start.txt'), 'utf8'), 'start dump')).split('\n');
    expect(atStart).toContain('zod'); // the preload sees the daemon's packages at all
    expect(atStart.filter((p) => LAZY.includes(p))).toEqual([]);

    const st = JSON.parse((await h.cli(['status', '--json'])).stdout) as { inference: { listen: string } };
    const res = await post(`http://${st.inference.listen}/v1`, '/chat/completions', { model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);

    expect((await h.cli(['down', '--json'])).exitCode).toBe(0);
    await waitFor(() => !isAlive(pid), 'daemon exit');
    const atExit = readFileSync(join(out, 'exit.txt'), 'utf8').split('\n');
    expect(atExit).toContain('undici');
    expect(atExit.filter((p) => LAZY.includes(p) && p !== 'undici')).toEqual([]);
  });
});
