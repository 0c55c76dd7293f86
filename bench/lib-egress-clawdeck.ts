import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths } from '../src/config/paths.js';
import { startDaemon, stopDaemon } from '../src/daemon/lifecycle.js';
import { DaemonClient } from '../src/daemon/client.js';
import { startNodeProxy, type BenchProxy } from './lib-egress-proxies.js';

// The real clawdeck daemon (--no-sandbox) with a policy that allows the bench's loopback upstreams.
export const startClawdeckProxy = async (ports: { source: number; echo: number; web: number }): Promise<BenchProxy> => {
  const dir = mkdtempSync(join(tmpdir(), 'clawdeck-bench-egress-'));
  const env = { ...process.env, CLAWDECK_HOME: dir };
  const paths = resolvePaths(env);
  mkdirSync(paths.configDir, { recursive: true });
  writeFileSync(paths.configFile, 'proxy:\n  listen: 127.0.0.1:0\ninference:\n  listen: 127.0.0.1:0\n');
  writeFileSync(
    paths.policyFile,
    `version: 1\nnetwork_policies:\n  bench:\n    endpoints:\n      - allowed_ips: ["127.0.0.1/32"]\n        ports: [${ports.source}, ${ports.echo}, ${ports.web}]\n`,
  );
  await startDaemon(paths, { noSandbox: true, env });
  const c = await DaemonClient.connect(paths.socket, 'bench-egress');
  const listen = (await c.request('status')).proxy.listen;
  c.close();
  const stop = async (): Promise<void> => {
    await stopDaemon(paths);
    rmSync(dir, { recursive: true, force: true });
  };
  if (!listen) {
    await stop();
    return startBareProxy();
  }
  return { name: 'clawdeck', port: Number(listen.split(':').at(-1)), pid: Number(readFileSync(paths.pidFile, 'utf8')), stop };
};

// Fallback when the daemon runs no egress service: clawdeck's proxy alone in a child process (allow-all policy).
export const startBareProxy = (): Promise<BenchProxy> => startNodeProxy('clawdeck', join(import.meta.dirname, 'lib-egress-child.js'), ['/dev/null']);
