import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { execa } from 'execa';
import { makeHome, type TestHome } from '../helpers/home.js';
import { docker, dockerAvailable, ensureBaseImage, dexec } from '../helpers/docker.js';
import { sandboxNames } from '../../src/sandbox/state.js';
import { loadBlueprint } from '../../src/sandbox/blueprint.js';
import type { Status } from '../../src/protocol/status.js';

// Real Docker: build (only when the image is missing), start, prove, and try to escape.
const FAKE_KEY = 'nvapi-clawdeck-fake-KEY-9f3a7c1e5b';
const hasDocker = await dockerAvailable();
const LAUNCH = ['/opt/clawdeck/launcher', '--rules', '/etc/clawdeck/landlock.rules', '--'];

describe.skipIf(!hasDocker)('sandbox: hardened container with proven enforcement', () => {
  let home: TestHome;
  let container: string;
  let status: Status;
  let listener: Server;
  let hits = 0;
  let port = 0;

  beforeAll(async () => {
    await ensureBaseImage();
    listener = createServer((s) => {
      hits++;
      s.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '0.0.0.0', r));
    port = (listener.address() as { port: number }).port;
    home = makeHome();
    container = sandboxNames(home.paths).container;
    const up = await home.cli(['up', '--json'], { env: { NVIDIA_API_KEY: FAKE_KEY }, timeout: 900_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    status = JSON.parse((await home.cli(['status', '--json'])).stdout) as Status;
  }, 900_000);

  afterAll(async () => {
    await home?.cli(['down', '--purge']);
    await home?.cleanup();
    listener?.close();
  }, 120_000);

  it('Runs the blueprint image with the recorded digest and a ready gateway', async () => {
    const bp = loadBlueprint();
    const img = await docker.getImage(bp.tag).inspect();
    expect(status.sandbox).toMatchObject({ state: 'running', container, image: bp.tag, image_digest: img.Id });
    // Built FROM the local base image; the build CA never reaches the final image.
    const base = await docker.getImage(bp.base_image).inspect();
    expect(img.RootFS.Layers?.[0]).toBe(base.RootFS.Layers?.[0]);
    expect(img.Config.Env?.some((e) => e.startsWith('NODE_EXTRA_CA_CERTS='))).toBe(false);
    const history = await docker.getImage(bp.tag).history();
    expect(JSON.stringify(history)).not.toContain('extra-ca');
    const v = await dexec(container, ['sh', '-c', 'node --version; openclaw --version']);
    expect(v.stdout).toContain(`v${bp.node_version}`);
    expect(v.stdout).toContain(`OpenClaw ${bp.openclaw_version}`);
    const c = await docker.getContainer(container).inspect();
    expect(c.HostConfig.NetworkMode).toBe('none');
    expect(c.HostConfig.ReadonlyRootfs).toBe(true);
    expect(c.HostConfig.CapDrop).toEqual(['ALL']);
    expect(c.HostConfig.SecurityOpt?.some((o) => o.startsWith('seccomp='))).toBe(true);
    expect(c.Config.User).toBe('1000:1000');
    // Only the listed mounts: the sandbox socket dir, the read-only config, the /sandbox volume. No Docker socket.
    expect(c.Mounts.map((m) => m.Destination).sort()).toEqual(['/etc/clawdeck', '/run/clawdeck', '/sandbox']);
    expect(c.Mounts.find((m) => m.Destination === '/etc/clawdeck')?.RW).toBe(false);
    // The build's gateway warm-up left V8's code cache in the image (read-only here); /sandbox: next test.
    const cc = await dexec(container, ['sh', '-c', 'find /opt/clawdeck/node-compile-cache -type f | wc -l; touch /opt/clawdeck/node-compile-cache/x 2>&1']);
    expect(Number(cc.stdout.split('\n')[0])).toBeGreaterThan(500);
    expect(cc.stdout).toContain('Read-only file system');
    const seed = await execa('docker', ['run', '--rm', '--entrypoint', 'ls', bp.tag, '/opt/clawdeck/warm-up']);
    expect(seed.stdout.split('\n')).toEqual(['env', 'openclaw.json', 'state-template.mjs', 'warm-cache.sh']);
    expect(JSON.stringify(c.Config.Env)).toContain('NODE_COMPILE_CACHE=/opt/clawdeck/node-compile-cache');
    // The preload it names is in the image (the gateway could not have started otherwise; this says which file).
    expect(JSON.stringify(c.Config.Env)).toContain('--import=/opt/clawdeck/fast-resolve.mjs');
    expect((await dexec(container, ['test', '-f', '/opt/clawdeck/fast-resolve.mjs'])).exitCode).toBe(0);
  });

  it('A new /sandbox starts from the image state template: no secret in it, and the first boot skips the one-time setup', async () => {
    const bp = loadBlueprint();
    // Rows per non-empty table, the device identities and the startup-migration checkpoint of a state database.
    const dump = `const d=new (require('node:sqlite').DatabaseSync)(process.argv[1],{readOnly:true});const o={};for(const {name} of d.prepare("select name from sqlite_master where type='table'").all()){const n=d.prepare('select count(*) n from "'+name+'"').get().n;if(n)o[name]=n}console.log(JSON.stringify({rows:o,checkpoint:d.prepare("select updated_at u from schema_meta where meta_key='startup-migrations'").get()?.u??null}))`;
    type Dump = { rows: Record<string, number>; checkpoint: number | null };
    const files = await execa('docker', ['run', '--rm', '--entrypoint', 'sh', bp.tag, '-c', 'find /sandbox /tmp -mindepth 1 | sort']);
    expect(files.stdout.split('\n')).toEqual(['/sandbox/.openclaw', '/sandbox/.openclaw/state', '/sandbox/.openclaw/state/openclaw.sqlite']);
    const tpl = JSON.parse((await execa('docker', ['run', '--rm', '--entrypoint', 'node', bp.tag, '-e', dump, '/sandbox/.openclaw/state/openclaw.sqlite'])).stdout) as Dump;
    expect(Object.keys(tpl.rows).sort()).toEqual(['config_machine_state', 'migration_runs', 'migration_sources', 'schema_meta']);
    expect(tpl.checkpoint).toBeGreaterThan(0);
    // This home's sandbox was started on a new volume (beforeAll): its own identity, the template's checkpoint.
    const live = await dexec(container, ['node', '-e', dump, '/sandbox/.openclaw/state/openclaw.sqlite']);
    const mine = JSON.parse(live.stdout) as Dump;
    expect(mine.rows.device_identities).toBe(1);
    expect(mine.rows.config_revision_keys).toBe(1);
    expect(mine.checkpoint).toBe(tpl.checkpoint);
  });

  it('Shows every enforcement layer as proven by the live probe', () => {
    const rows = Object.fromEntries(status.enforcement.map((e) => [e.layer, e]));
    for (const layer of ['landlock', 'seccomp', 'capabilities', 'no_new_privs', 'read_only_root', 'direct_egress', 'proxy', 'inference', 'provider_key']) {
      expect(rows[layer]?.state, `${layer}: ${rows[layer]?.detail}`).toBe('proven');
    }
    expect(rows.landlock!.detail).toMatch(/ABI \d/);
  });

  it('Cannot write /etc, /usr or /root', async () => {
    for (const d of ['/etc', '/usr', '/root']) {
      const r = await dexec(container, ['sh', '-c', `echo x > ${d}/escape`]);
      expect(r.exitCode, d).not.toBe(0);
    }
  });

  it('Under the launcher, cannot write the host-mounted /run/clawdeck although its mode allows it (Landlock)', async () => {
    const plain = await dexec(container, ['sh', '-c', 'test -w /run/clawdeck && echo writable-by-mode']);
    expect(plain.stdout).toContain('writable-by-mode');
    const r = await dexec(container, [...LAUNCH, 'sh', '-c', 'echo x > /run/clawdeck/escape']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(readdirSync(home.paths.sandboxDir)).not.toContain('escape');
    const ok = await dexec(container, [...LAUNCH, 'sh', '-c', 'echo x > /sandbox/ok && echo x > /tmp/ok']);
    expect(ok.exitCode, ok.stderr).toBe(0);
  });

  it('Cannot mount, ptrace, unshare a user namespace or open raw sockets', async () => {
    expect((await dexec(container, ['mount', '-t', 'tmpfs', 'none', '/mnt'])).exitCode).not.toBe(0);
    const u = await dexec(container, ['unshare', '-U', 'true']);
    expect(u.exitCode).not.toBe(0);
    expect(u.stderr).toMatch(/Operation not permitted/);
    const probe = await dexec(container, ['/opt/clawdeck/launcher', '--rules', '/etc/clawdeck/landlock.rules', '--probe']);
    const p = JSON.parse(probe.stdout) as { seccomp: { mode: number; denied: Record<string, string> } };
    expect(p.seccomp.mode).toBe(2);
    for (const call of ['ptrace', 'mount', 'unshare_user', 'bpf', 'perf_event_open', 'io_uring_setup', 'userfaultfd', 'socket_packet', 'socket_raw', 'kexec_load', 'init_module']) {
      expect(p.seccomp.denied[call], call).toBe('EPERM');
    }
  });

  it('Cannot reach a host listener directly (bridge gateway, loopback) — the listener sees nothing', async () => {
    const js = (host: string) =>
      `const s=require('net').connect(${port},'${host}');s.on('connect',()=>{console.log('CONNECTED');process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(1)});setTimeout(()=>process.exit(2),3000)`;
    for (const host of ['172.17.0.1', '127.0.0.1']) {
      const r = await dexec(container, ['node', '-e', js(host)]);
      expect(r.stdout, host).not.toContain('CONNECTED');
      expect(r.exitCode, host).not.toBe(0);
    }
    const dns = await dexec(container, ['node', '-e', "require('dns').lookup('deb.debian.org',(e)=>{console.log(e?e.code:'RESOLVED')})"]);
    expect(dns.stdout).not.toContain('RESOLVED');
    expect(hits).toBe(0);
  });

  it('Reaches the proxy and inference.local only through the relay', async () => {
    const r = await dexec(container, ['node', '-e', "fetch('http://inference.local/v1/models').then(r=>console.log(r.status),e=>console.log('ERR',e.cause?.code))"]);
    expect(r.stdout.trim()).toBe('200');
  });

  it('Never sees the provider key: not in any environment, not in any file', async () => {
    const env = await dexec(container, ['sh', '-c', 'env; cat /proc/[0-9]*/environ 2>/dev/null'], '0:0');
    expect(env.stdout.length).toBeGreaterThan(100);
    expect(env.stdout).not.toContain(FAKE_KEY);
    // Everything the agent user can read (unreadable files cannot leak to it; grep exits 2 for those).
    const dirs = ['/sandbox', '/tmp', '/etc', '/opt', '/run', '/var', '/home', '/root', '/usr/local'];
    const grep = await dexec(container, ['grep', '-rlsF', FAKE_KEY, ...dirs]);
    expect(grep.stdout).toBe('');
    expect([1, 2]).toContain(grep.exitCode);
    // The same search finds what is there (so an empty result means something).
    const control = await dexec(container, ['grep', '-rlsF', 'inference.local', ...dirs]);
    expect(control.stdout).toContain('/etc/clawdeck/openclaw.json');
    const insp = await docker.getContainer(container).inspect();
    expect(JSON.stringify(insp)).not.toContain(FAKE_KEY);
    const img = await docker.getImage(insp.Image).inspect();
    expect(JSON.stringify(img)).not.toContain(FAKE_KEY);
  });

  it('up after an unclean stop (gateway killed, its lock files and owner lease left on /sandbox) starts the gateway again', async () => {
    // SIGKILL: no shutdown, as when the stop grace runs out on a busy host.
    await docker.getContainer(container).kill();
    const { volume } = sandboxNames(home.paths);
    const leftover = await execa('docker', ['run', '--rm', '--entrypoint', '/bin/sh', '-v', `${volume}:/sandbox`, loadBlueprint().tag, '-c',
      'ls /sandbox/.openclaw/tmp/openclaw-*/; node --no-warnings -e "const d=new (require(\'node:sqlite\').DatabaseSync)(\'/sandbox/.openclaw/state/openclaw.sqlite\');console.log(\'leases=\'+d.prepare(\'select count(*) n from state_leases where scope=?\').get(\'gateway-owner\').n)"'], { reject: false });
    expect(leftover.stdout).toMatch(/gateway\.\w+\.lock\n/);
    expect(leftover.stdout).toContain('leases=1');
    expect((await home.cli(['down'])).exitCode).toBe(0);
    const up = await home.cli(['up', '--json'], { env: { NVIDIA_API_KEY: FAKE_KEY }, timeout: 300_000 });
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    const st = JSON.parse((await home.cli(['status', '--json'])).stdout) as Status;
    expect(st.sandbox.state, st.sandbox.detail).toBe('running');
  }, 400_000);

  it('down keeps /sandbox data for the next up; down --purge removes it', async () => {
    expect((await dexec(container, ['sh', '-c', 'echo kept > /sandbox/keep.txt'])).exitCode).toBe(0);
    expect((await home.cli(['down'])).exitCode).toBe(0);
    await expect(docker.getContainer(container).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const up = await home.cli(['up'], { env: { NVIDIA_API_KEY: FAKE_KEY }, timeout: 300_000 });
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    expect((await dexec(container, ['cat', '/sandbox/keep.txt'])).stdout.trim()).toBe('kept');
    expect((await home.cli(['down', '--purge'])).exitCode).toBe(0);
    await expect(docker.getVolume(sandboxNames(home.paths).volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(existsSync(home.paths.socket)).toBe(false);
  }, 400_000);
});

describe.skipIf(!hasDocker)('sandbox: --no-sandbox', () => {
  it('Marks every enforcement layer n/a and starts no container', async () => {
    const home = makeHome();
    try {
      expect((await home.cli(['up', '--no-sandbox'])).exitCode).toBe(0);
      const st = JSON.parse((await home.cli(['status', '--json'])).stdout) as Status;
      expect(st.sandbox.state).toBe('disabled');
      expect(st.enforcement.length).toBeGreaterThan(0);
      expect(st.enforcement.every((e) => e.state === 'n/a')).toBe(true);
      await expect(docker.getContainer(sandboxNames(home.paths).container).inspect()).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await home.cleanup();
    }
  });
});

describe('sandbox: CI has Docker', () => {
  it('Fails (does not skip) without a Docker engine when CI=true', () => {
    if (process.env.CI === 'true') expect(hasDocker).toBe(true);
  });
});

describe.skipIf(!hasDocker)('sandbox: landlock.compatibility when the kernel cannot enforce Landlock', () => {
  // Simulated "no Landlock" kernel: the same profile with the landlock_* calls removed (they then fail with EPERM).
  const run = async (compat: string) => {
    const { mkdtempSync, writeFileSync, readFileSync, chmodSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { execa } = await import('execa');
    const bp = loadBlueprint();
    const prof = JSON.parse(readFileSync(join(bp.dir, '..', '..', 'seccomp', 'clawdeck.json'), 'utf8')) as { syscalls: { names: string[] }[] };
    prof.syscalls[0]!.names = prof.syscalls[0]!.names.filter((n) => !n.startsWith('landlock_'));
    const dir = mkdtempSync(join(tmpdir(), 'clawdeck-ll-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'landlock.rules'), `compat ${compat}\nro /usr\nrw /tmp\n`, { mode: 0o644 });
    writeFileSync(join(dir, 'seccomp.json'), JSON.stringify(prof));
    return execa('docker', ['run', '--rm', '--network', 'none', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--security-opt', `seccomp=${join(dir, 'seccomp.json')}`, '-v', `${dir}:/etc/clawdeck:ro`, '--entrypoint', '/opt/clawdeck/launcher',
      bp.tag, '--rules', '/etc/clawdeck/landlock.rules', '--', 'true'], { reject: false, timeout: 60_000 });
  };

  it('hard_requirement refuses to start (exit 78)', async () => {
    const r = await run('hard_requirement');
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toMatch(/refusing to start/);
  });

  it('best_effort starts and reports degraded', async () => {
    const r = await run('best_effort');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/"landlock":"degraded"/);
  });
});
