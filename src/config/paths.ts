import { mkdirSync, statSync, chmodSync } from 'node:fs';
import { homedir, userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Paths {
  configDir: string;
  stateDir: string;
  runDir: string;
  configFile: string;
  policyFile: string;
  hostsFile: string;
  secretsFile: string;
  socket: string;
  pidFile: string;
  daemonLog: string;
  auditLog: string;
  usageLedger: string;
  // Bind-mounted into the sandbox at /run/clawdeck: its only way out (no network namespace access).
  sandboxDir: string;
  egressSocket: string;
  inferenceSocket: string;
  gatewaySocket: string;
}

// Resolves clawdeck's three directories: CLAWDECK_HOME (tests, several instances) or XDG.
export const resolvePaths = (env: NodeJS.ProcessEnv = process.env): Paths => {
  let configDir: string;
  let stateDir: string;
  let runDir: string;
  if (env.CLAWDECK_HOME) {
    configDir = join(env.CLAWDECK_HOME, 'config');
    stateDir = join(env.CLAWDECK_HOME, 'state');
    runDir = join(env.CLAWDECK_HOME, 'run');
  } else {
    const home = env.HOME ?? homedir();
    configDir = join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'clawdeck');
    stateDir = join(env.XDG_STATE_HOME ?? join(home, '.local', 'state'), 'clawdeck');
    runDir = env.XDG_RUNTIME_DIR
      ? join(env.XDG_RUNTIME_DIR, 'clawdeck')
      : join(tmpdir(), `clawdeck-${userInfo().uid}`);
  }
  return {
    configDir,
    stateDir,
    runDir,
    configFile: join(configDir, 'config.yaml'),
    policyFile: join(configDir, 'policy.yaml'),
    hostsFile: join(configDir, 'hosts'),
    secretsFile: join(configDir, 'secrets.yaml'),
    socket: join(runDir, 'clawdeck.sock'),
    pidFile: join(runDir, 'daemon.pid'),
    daemonLog: join(stateDir, 'daemon.log'),
    auditLog: join(stateDir, 'audit.jsonl'),
    usageLedger: join(stateDir, 'usage.jsonl'),
    sandboxDir: join(runDir, 'sandbox'),
    egressSocket: join(runDir, 'sandbox', 'egress.sock'),
    inferenceSocket: join(runDir, 'sandbox', 'inference.sock'),
    gatewaySocket: join(runDir, 'sandbox', 'gateway.sock'),
  };
};

// Creates the directories; the run dir holds the socket, so it is owner-only (0700).
export const ensureDirs = (p: Paths): void => {
  mkdirSync(p.configDir, { recursive: true, mode: 0o700 });
  mkdirSync(p.stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(p.runDir, { recursive: true, mode: 0o700 });
  if ((statSync(p.runDir).mode & 0o077) !== 0) chmodSync(p.runDir, 0o700);
  // The sandbox user (another uid) must reach the sockets here; sticky so it cannot replace ours.
  mkdirSync(p.sandboxDir, { recursive: true });
  chmodSync(p.sandboxDir, 0o1777);
};

// Path of a socket inside the container (the sandbox dir is mounted at /run/clawdeck).
export const SANDBOX_MOUNT = '/run/clawdeck';
