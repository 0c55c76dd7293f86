import { describe, it, expect } from 'vitest';
import { mkdtempSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { SandboxCa } from '../../../src/egress/sandbox-ca.js';

const handshake = async (ca: SandboxCa, host: string, servername: string): Promise<string> => {
  const leaf = await ca.leafFor(host);
  const server = createServer({ key: leaf.key, cert: leaf.cert }, (s) => s.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve, reject) => {
      const c = connect({ host: '127.0.0.1', port, servername, ca: ca.certPem }, () => {
        c.on('data', (d) => resolve(d.toString()));
      });
      c.on('error', reject);
    });
  } finally {
    server.close();
  }
};

describe('SandboxCa', () => {
  it('creates a CA whose key is owner-only and reloads the same CA later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-'));
    const a = await SandboxCa.loadOrCreate(dir);
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'ca.key'), 'utf8')).toContain('PRIVATE KEY');
    expect(a.certPem).not.toContain('PRIVATE KEY');
    const b = await SandboxCa.loadOrCreate(dir);
    expect(b.certPem).toBe(a.certPem);
    expect(await handshake(b, 'api.example.com', 'api.example.com')).toBe('ok');
  });

  it('refuses to load a damaged CA certificate at start, not at the first inspected request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-'));
    await SandboxCa.loadOrCreate(dir);
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    await expect(SandboxCa.loadOrCreate(dir)).rejects.toThrow();
  });

  it('issues leaves that a client trusting only the CA accepts for that name and rejects for another', async () => {
    const ca = await SandboxCa.loadOrCreate(mkdtempSync(join(tmpdir(), 'ca-')));
    expect(await handshake(ca, 'registry.npmjs.org', 'registry.npmjs.org')).toBe('ok');
    await expect(handshake(ca, 'registry.npmjs.org', 'evil.example.com')).rejects.toThrow(/altnames|does not match/i);
  });

  it('caches leaves per host', async () => {
    const ca = await SandboxCa.loadOrCreate(mkdtempSync(join(tmpdir(), 'ca-')));
    const [x, y] = await Promise.all([ca.leafFor('a.example'), ca.leafFor('A.example')]);
    expect(x.cert).toBe(y.cert);
    expect((await ca.leafFor('b.example')).cert).not.toBe(x.cert);
  });

  it('a client that does not trust the CA refuses the leaf', async () => {
    const ca = await SandboxCa.loadOrCreate(mkdtempSync(join(tmpdir(), 'ca-')));
    const other = await SandboxCa.loadOrCreate(mkdtempSync(join(tmpdir(), 'ca-')));
    const leaf = await ca.leafFor('x.example');
    const server = createServer({ key: leaf.key, cert: leaf.cert }, (s) => s.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await expect(
      new Promise((resolve, reject) => {
        const c = connect({ host: '127.0.0.1', port, servername: 'x.example', ca: other.certPem }, () => resolve('connected'));
        c.on('error', reject);
      }),
    ).rejects.toThrow();
    server.close();
  });
});
