import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, rmdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { waitFor } from './home.js';

// The OpenClaw version clawdeck pins (same as the sandbox image).
export const OPENCLAW_VERSION = '2026.9.6';
export const MODEL_ID = 'nvidia/nemotron-3-super-120b-a12b';

const cacheDir = (): string =>
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clawdeck', 'openclaw-host', OPENCLAW_VERSION);

// Installs openclaw once into ~/.cache/clawdeck/openclaw-host/<version> (reused by every later run) and
// returns the path of its bin. A mkdir lock keeps two test workers from installing at the same time.
export const ensureOpenclaw = async (): Promise<string> => {
  const dir = cacheDir();
  const bin = join(dir, 'node_modules', 'openclaw', 'openclaw.mjs');
  if (existsSync(bin)) return bin;
  mkdirSync(join(dir, '..'), { recursive: true });
  const lock = `${dir}.lock`;
  await waitFor(() => {
    try {
      mkdirSync(lock);
      return true;
    } catch {
      return existsSync(bin);
    }
  }, 'openclaw install lock', 600_000);
  try {
    if (!existsSync(bin)) {
      await execa('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir, `openclaw@${OPENCLAW_VERSION}`], { timeout: 600_000 });
    }
  } finally {
    try {
      rmdirSync(lock);
    } catch {
      // another worker's lock or already gone
    }
  }
  return bin;
};

const freePort = async (): Promise<number> => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
};

export interface HostGatewayOptions {
  // OpenAI-compatible base URL the `inference` provider points at (e.g. FakeUpstream.url).
  upstreamUrl: string;
  token?: string;
  // Extra top-level config merged in (shallow), e.g. { tools: {...} }.
  extra?: Record<string, unknown>;
}

// A real `openclaw gateway run` on host loopback in its own temp OPENCLAW_HOME: what the tests develop against.
export class HostGateway {
  private child: ChildProcess | null = null;
  private log = '';
  private relay: Server | null = null;
  private readonly relaySockets = new Set<Socket>();

  private constructor(
    readonly bin: string,
    readonly home: string,
    readonly port: number,
    readonly token: string,
  ) {}

  static async start(opts: HostGatewayOptions): Promise<HostGateway> {
    const bin = await ensureOpenclaw();
    const home = mkdtempSync(join(tmpdir(), 'clawdeck-oc-'));
    const port = await freePort();
    const token = opts.token ?? `tok-${Math.random().toString(36).slice(2)}${Date.now()}`;
    const config = {
      gateway: { mode: 'local', bind: 'loopback', port, auth: { mode: 'token' } },
      models: {
        providers: {
          inference: {
            baseUrl: opts.upstreamUrl,
            apiKey: 'dummy',
            api: 'openai-completions',
            models: [{ id: MODEL_ID, name: 'Nemotron', contextWindow: 131072, maxTokens: 8192, input: ['text'] }],
          },
        },
      },
      agents: { defaults: { model: { primary: `inference/${MODEL_ID}` } } },
      ...opts.extra,
    };
    writeFileSync(join(home, 'openclaw.json'), JSON.stringify(config, null, 2));
    const gw = new HostGateway(bin, home, port, token);
    await gw.run();
    return gw;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get output(): string {
    return this.log;
  }

  // Starts the gateway process and waits for /readyz (≈10-15 s on this machine).
  async run(): Promise<void> {
    const env = {
      ...process.env,
      OPENCLAW_HOME: this.home,
      OPENCLAW_STATE_DIR: join(this.home, 'state'),
      OPENCLAW_CONFIG_PATH: join(this.home, 'openclaw.json'),
      OPENCLAW_GATEWAY_TOKEN: this.token,
      OPENCLAW_OFFLINE: '1',
      OPENCLAW_DISABLE_BONJOUR: '1',
      OPENCLAW_NO_RESPAWN: '1',
      OPENCLAW_SKIP_CHANNELS: '1',
    };
    const child = spawn(process.execPath, [this.bin, 'gateway', 'run'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`openclaw gateway exited ${child.exitCode}: ${this.log.slice(-2000)}`);
        const r = await fetch(`http://127.0.0.1:${this.port}/readyz`).catch(() => null);
        if (!r) return false;
        const body = (await r.json().catch(() => ({}))) as { ready?: boolean };
        return body.ready === true;
      },
      'openclaw gateway /readyz',
      90_000,
    );
  }

  // Stops the gateway (its whole process group: it runs a spawn broker child).
  async halt(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 10_000);
    await exited;
    clearTimeout(t);
    this.child = null;
  }

  // A Unix socket that forwards to the gateway's loopback port, like the in-container relay does.
  async relaySocket(path: string): Promise<string> {
    const server = createServer((c) => {
      this.relaySockets.add(c);
      const up = connect(this.port, '127.0.0.1');
      this.relaySockets.add(up);
      c.pipe(up).pipe(c);
      const done = (): void => {
        c.destroy();
        up.destroy();
        this.relaySockets.delete(c);
        this.relaySockets.delete(up);
      };
      c.on('error', done).on('close', done);
      up.on('error', done).on('close', done);
    });
    await new Promise<void>((r) => server.listen(path, () => r()));
    this.relay = server;
    return path;
  }

  async stop(): Promise<void> {
    for (const s of this.relaySockets) s.destroy();
    if (this.relay) await new Promise<void>((r) => this.relay!.close(() => r()));
    await this.halt();
    rmSync(this.home, { recursive: true, force: true });
  }

  // The session transcript files, for debugging failed tests.
  readConfig(): string {
    return readFileSync(join(this.home, 'openclaw.json'), 'utf8');
  }
}
