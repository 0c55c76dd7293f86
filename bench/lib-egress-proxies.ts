import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// A proxy under test: where it listens and which process to measure.
export interface BenchProxy {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export const freePort = async (): Promise<number> => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
};

// Polls until something accepts TCP connections on the port.
export const waitForPort = async (port: number, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const stopChild = (c: ChildProcess): Promise<void> =>
  new Promise((r) => {
    if (c.exitCode !== null || c.signalCode !== null) return r();
    c.once('exit', () => r());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 3000).unref();
  });

// A proxy that is a node script printing its port on its first stdout line.
export const startNodeProxy = async (name: string, script: string, args: string[] = []): Promise<BenchProxy> => {
  const c = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: c.stdout! }).once('line', resolve);
    c.once('exit', (code) => reject(new Error(`${name} proxy exited (${code})`)));
  });
  return { name, port: Number(line), pid: c.pid!, stop: () => stopChild(c) };
};

// The Node floor: a forward proxy with no checks at all (lib-egress-minimal.ts).
export const startMinimalNode = (): Promise<BenchProxy> => startNodeProxy('node-minimal', join(import.meta.dirname, 'lib-egress-minimal.js'));

// tinyproxy from Debian, foreground, temp config, loopback only, every CONNECT port allowed.
export const startTinyproxy = async (): Promise<BenchProxy> => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tinyproxy-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const conf = join(dir, 'tinyproxy.conf');
  writeFileSync(
    conf,
    [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 600', 'MaxClients 4096', 'Allow 127.0.0.1', 'LogLevel Critical', 'DisableViaHeader Yes', 'User nobody', 'Group nogroup', `PidFile "${dir}/tp.pid"`].join('\n') + '\n',
  );
  const c = spawn('/usr/bin/tinyproxy', ['-d', '-c', conf], { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'tinyproxy', port, pid: c.pid!, stop: async () => (await stopChild(c), rmSync(dir, { recursive: true, force: true })) };
};

// squid from Debian, no cache, no logs, foreground.
export const startSquid = async (): Promise<BenchProxy> => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-squid-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const conf = join(dir, 'squid.conf');
  writeFileSync(
    conf,
    [
      `http_port 127.0.0.1:${port}`,
      'http_access allow all',
      'cache deny all',
      'cache_mem 8 MB',
      'access_log none',
      `cache_log ${dir}/cache.log`,
      `pid_filename ${dir}/squid.pid`,
      `coredump_dir ${dir}`,
      'max_filedescriptors 16384',
      'shutdown_lifetime 0 seconds',
      'via off',
      'forwarded_for delete',
      'client_persistent_connections on',
      'server_persistent_connections on',
    ].join('\n') + '\n',
  );
  const c = spawn('/usr/sbin/squid', ['-N', '-f', conf], { stdio: 'ignore' });
  try {
    await waitForPort(port, 30_000);
  } catch (e) {
    let log = '';
    try {
      log = readFileSync(join(dir, 'cache.log'), 'utf8').slice(-2000);
    } catch {
      // no log
    }
    await stopChild(c);
    throw new Error(`squid did not start: ${(e as Error).message}\n${log}`);
  }
  return { name: 'squid', port, pid: c.pid!, stop: async () => (await stopChild(c), rmSync(dir, { recursive: true, force: true })) };
};
