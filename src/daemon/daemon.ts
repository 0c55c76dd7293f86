import { rmSync, writeFileSync } from 'node:fs';
import { ensureDirs, type Paths } from '../config/paths.js';
import { loadConfig } from '../config/load.js';
import { SnapshotStore } from './store.js';
import { SocketServer } from './socket-server.js';
import { createFileLogger, type Logger } from './log.js';
import { initialSnapshot } from './initial-snapshot.js';
import { startServices } from './services.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { VERSION } from './version.js';
import { socketAnswers } from './lifecycle.js';
import { ClawdeckError } from '../protocol/errors.js';
import type { DaemonContext, DaemonOptions, Service } from './context.js';
import type { Notice } from '../protocol/snapshot.js';

const MAX_NOTICES = 20;

// The always-on host process: control socket, snapshot publisher and the services behind them.
export class Daemon {
  readonly log: Logger;
  private services: Service[] = [];
  private server!: SocketServer;
  private store!: SnapshotStore;
  private uptimeTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private noticeId = 0;
  private listening = false;
  private readonly startedAt = new Date();

  constructor(
    private readonly paths: Paths,
    private readonly options: DaemonOptions,
  ) {
    ensureDirs(paths);
    this.log = createFileLogger(paths.daemonLog);
  }

  async start(): Promise<void> {
    // Checked first, before any service binds ports another daemon holds.
    if (await socketAnswers(this.paths.socket)) {
      throw new ClawdeckError('DAEMON_ALREADY_RUNNING', `another daemon answers on ${this.paths.socket}`, {
        hint: 'Use it (clawdeck attach) or stop it first (clawdeck down).',
      });
    }
    const config = loadConfig(this.paths.configFile);
    this.store = new SnapshotStore(initialSnapshot(this.paths, config, this.options.noSandbox, this.startedAt));
    this.server = new SocketServer((msg, err) => this.log.error(msg, { err }));
    const ctx: DaemonContext = {
      paths: this.paths,
      config,
      options: this.options,
      log: this.log,
      store: this.store,
      server: this.server,
      setStatus: (key, value) => this.store.patch('status', { ...this.store.current.status, [key]: value }),
      notice: (level, text) => this.notice(level, text),
    };
    this.registerCore();
    this.store.subscribe((snap) => this.server.broadcast('snapshot', snap));
    this.services = await startServices(ctx);
    // The socket opens last: a client that can connect sees a fully started daemon.
    rmSync(this.paths.socket, { force: true });
    await this.server.listen(this.paths.socket);
    this.listening = true;
    writeFileSync(this.paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
    this.uptimeTimer = setInterval(() => this.touchUptime(), 1000);
    this.uptimeTimer.unref();
    this.log.info('daemon started', { pid: process.pid, version: VERSION, noSandbox: this.options.noSandbox });
  }

  // Stops services in reverse order, then the socket; idempotent.
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('daemon stopping', { reason });
      clearInterval(this.uptimeTimer);
      for (const s of [...this.services].reverse()) {
        try {
          await s.stop();
        } catch (err) {
          this.log.error(`stopping ${s.name} failed`, { err });
        }
      }
      this.store?.close();
      await this.server?.close();
      // Only the daemon that owns the socket removes it (a refused second start must not orphan the first).
      if (this.listening) {
        rmSync(this.paths.socket, { force: true });
        rmSync(this.paths.pidFile, { force: true });
      }
      this.log.info('daemon stopped');
    })();
    return this.stopping;
  }

  private notice(level: Notice['level'], text: string): void {
    this.log.log(level, text);
    const n: Notice = { id: ++this.noticeId, level, text, at: new Date().toISOString() };
    this.store.patch('notices', [...this.store.current.notices, n].slice(-MAX_NOTICES));
  }

  private touchUptime(): void {
    const status = this.store.current.status;
    const uptime_s = Math.round((Date.now() - this.startedAt.getTime()) / 1000);
    this.store.patch('status', { ...status, daemon: { ...status.daemon, uptime_s } });
  }

  private registerCore(): void {
    this.server.handle('hello', () => ({ version: PROTOCOL_VERSION, daemon_version: VERSION, pid: process.pid }));
    this.server.handle('status', () => {
      const s = this.store.current.status;
      return { ...s, daemon: { ...s.daemon, uptime_s: (Date.now() - this.startedAt.getTime()) / 1000 } };
    });
    this.server.handle('subscribe', (_p, client) => {
      client.subscribe();
      const snap = this.store.current;
      // Sent after the response line so the client knows its subscription is live first.
      setImmediate(() => client.send('snapshot', snap));
      return { seq: snap.seq };
    });
    this.server.handle('shutdown', () => {
      setImmediate(() => void this.stop('shutdown requested').then(() => process.exit(0)));
      return { stopping: true };
    });
  }
}
