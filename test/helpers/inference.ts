import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths, ensureDirs, type Paths } from '../../src/config/paths.js';
import { loadConfig } from '../../src/config/load.js';
import { SnapshotStore } from '../../src/daemon/store.js';
import { SocketServer } from '../../src/daemon/socket-server.js';
import { DaemonClient } from '../../src/daemon/client.js';
import { createFileLogger } from '../../src/daemon/log.js';
import { initialSnapshot } from '../../src/daemon/initial-snapshot.js';
import type { DaemonContext } from '../../src/daemon/context.js';
import type { Notice } from '../../src/protocol/snapshot.js';
import { startInference, type InferenceService } from '../../src/inference/service.js';

export interface RouterHarness {
  paths: Paths;
  ctx: DaemonContext;
  service: InferenceService;
  client: DaemonClient;
  // http://127.0.0.1:PORT/v1
  base: string;
  notices: Notice[];
  logText(): string;
  // The ledger once every finished call is written.
  ledgerText(): Promise<string>;
  // Stops the router (keeping the home) so a second start can read the same ledger.
  restart(): Promise<RouterHarness>;
  stop(): Promise<void>;
}

// The real inference service inside a real daemon context (store, control socket, file log, ledger),
// in this process so tests can look at the meter directly. No daemon process, no mocks.
export const startRouter = async (configYaml: string, env: NodeJS.ProcessEnv = {}, dir?: string): Promise<RouterHarness> => {
  const home = dir ?? mkdtempSync(join(tmpdir(), 'clawdeck-inf-'));
  const paths = resolvePaths({ CLAWDECK_HOME: home });
  ensureDirs(paths);
  if (!dir) {
    mkdirSync(paths.configDir, { recursive: true });
    writeFileSync(paths.configFile, configYaml);
  }
  const config = loadConfig(paths.configFile);
  const store = new SnapshotStore(initialSnapshot(paths, config, true, new Date()), 20);
  const server = new SocketServer(() => undefined);
  const log = createFileLogger(paths.daemonLog);
  const notices: Notice[] = [];
  let nid = 0;
  const ctx: DaemonContext = {
    paths,
    config,
    options: { noSandbox: true },
    log,
    store,
    server,
    setStatus: (key, value) => store.patch('status', { ...store.current.status, [key]: value }),
    notice: (level, text) => {
      const n = { id: ++nid, level, text, at: new Date().toISOString() };
      notices.push(n);
      store.patch('notices', [...store.current.notices, n]);
    },
  };
  server.handle('hello', () => ({ version: 1, daemon_version: 'test', pid: process.pid }));
  server.handle('status', () => store.current.status);
  const service = await startInference(ctx, env);
  rmSync(paths.socket, { force: true });
  await server.listen(paths.socket);
  const client = await DaemonClient.connect(paths.socket, 'test');
  const stop = async (): Promise<void> => {
    client.close();
    await service.stop();
    store.close();
    await server.close();
  };
  return {
    paths,
    ctx,
    service,
    client,
    base: `http://${service.listen}/v1`,
    notices,
    logText: () => (existsSync(paths.daemonLog) ? readFileSync(paths.daemonLog, 'utf8') : ''),
    ledgerText: async () => (await service.flushed(), existsSync(paths.usageLedger) ? readFileSync(paths.usageLedger, 'utf8') : ''),
    restart: async () => {
      await stop();
      return startRouter(configYaml, env, home);
    },
    stop: async () => {
      await stop();
      if (!dir) rmSync(home, { recursive: true, force: true });
    },
  };
};

// Config for a router whose providers all point at fake upstreams.
export const routerConfig = (providers: Record<string, { url: string; keyEnv?: string; models?: string[]; extra?: string }>, extra = ''): string => {
  const names = Object.keys(providers);
  const lines = ['inference:', '  listen: 127.0.0.1:0', `  default_provider: ${names[0]}`, '  fallback_backoff: 10ms', '  providers:'];
  for (const [n, p] of Object.entries(providers)) {
    lines.push(`    ${n}:`, `      base_url: ${p.url}`);
    if (p.keyEnv) lines.push(`      key_env: ${p.keyEnv}`);
    lines.push(`      models: [${(p.models ?? ['fake-model']).join(', ')}]`);
    if (p.extra) lines.push(...p.extra.split('\n').map((l) => `      ${l}`));
  }
  return lines.join('\n') + '\n' + extra;
};

export interface StreamResult {
  status: number;
  headers: Headers;
  text: string;
  // Parsed `data:` payloads, [DONE] excluded.
  events: unknown[];
}

// Posts a request to the router and reads the whole answer (SSE or JSON).
export const post = async (base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<StreamResult> => {
  const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await r.text();
  const events: unknown[] = [];
  for (const m of text.matchAll(/^data: (.*)$/gm)) {
    if (m[1] === '[DONE]') continue;
    try {
      events.push(JSON.parse(m[1]!));
    } catch {
      events.push(m[1]);
    }
  }
  return { status: r.status, headers: r.headers, text, events };
};
