import type { Paths } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import type { Logger } from './log.js';
import type { SnapshotStore } from './store.js';
import type { SocketServer } from './socket-server.js';
import type { Status } from '../protocol/status.js';

export interface DaemonOptions {
  noSandbox: boolean;
  // `clawdeck up --rebuild`: build the sandbox image even when it exists.
  rebuild?: boolean;
}

// What every daemon service gets: where things live, config, logging, the published state and the socket.
export interface DaemonContext {
  paths: Paths;
  config: Config;
  options: DaemonOptions;
  log: Logger;
  store: SnapshotStore;
  server: SocketServer;
  // Replaces one section of the status (and so of every snapshot).
  setStatus<K extends keyof Status>(key: K, value: Status[K]): void;
  // A short message shown in TUIs (hot reload applied, budget warning, …) and logged.
  notice(level: 'info' | 'warn' | 'error', text: string): void;
}

// A running part of the daemon; stopped in reverse start order on shutdown.
export interface Service {
  name: string;
  stop(): Promise<void>;
}
