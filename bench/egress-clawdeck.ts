import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchProxy } from './egress-proxies.js';

// clawdeck's proxy in its own process (allow-all policy); swapped for the real daemon once its policy can allow loopback.
export const startClawdeckProxy = async (_ports: { source: number; echo: number; web: number }): Promise<BenchProxy> => {
  const c = spawn(process.execPath, [join(import.meta.dirname, 'egress-child.js'), '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: c.stdout! }).once('line', resolve);
    c.once('exit', (code) => reject(new Error(`clawdeck proxy exited (${code})`)));
  });
  return {
    name: 'clawdeck',
    port: Number(line),
    pid: c.pid!,
    stop: () =>
      new Promise((r) => {
        c.once('exit', () => r());
        c.kill('SIGTERM');
      }),
  };
};
