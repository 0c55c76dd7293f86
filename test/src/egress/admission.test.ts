import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Admitter, type Destination } from '../../../src/egress/admission.js';
import { AuditLog } from '../../../src/egress/audit-log.js';
import { HoldQueue } from '../../../src/egress/hold-queue.js';
import { createResolver, type Resolver } from '../../../src/egress/resolver.js';
import { TestPolicy, readAudit } from '../../helpers/egress.js';

let dir: string | undefined;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// A real admitter over a temp audit log; the resolver counts its (async) lookups.
const setup = (policy: TestPolicy, resolver?: Resolver) => {
  dir = mkdtempSync(join(tmpdir(), 'clawdeck-admission-'));
  dirs.push(dir);
  const auditFile = join(dir, 'audit.jsonl');
  const audit = new AuditLog(auditFile);
  const queue = new HoldQueue({ holdTimeoutMs: 60_000, policy, onChange: () => {}, onNew: () => {}, onResolved: () => {} });
  const lookups: string[] = [];
  const dns: Resolver = async (h) => (lookups.push(h), h === 'dns.test' ? ['93.184.216.34'] : []);
  const admitter = new Admitter(policy, queue, audit, resolver ?? createResolver(join(dir, 'hosts'), dns));
  return { admitter, auditFile, lookups, queue, close: () => (queue.close(), audit.close()) };
};
const dest = (host: string, port: number, isIp = false): Destination => ({ conn: 1, scheme: 'connect', host, port, isIp });

describe('Admitter.admitNow', () => {
  it('admits an allowed IP literal at once, with its audit line on disk before it returns', async () => {
    const t = setup(new TestPolicy([{ host: '127.0.0.1', port: 4000, action: 'allow' }]));
    const a = t.admitter.admitNow(dest('127.0.0.1', 4000, true));
    expect(a).toMatchObject({ ok: true, ip: '127.0.0.1', rule: 'rules[0]', by: 'policy', operator: false });
    expect(await readAudit(t.auditFile)).toEqual([
      expect.objectContaining({ event: 'decision', outcome: 'allow', by: 'policy', host: '127.0.0.1', ip: '127.0.0.1', rule: 'rules[0]' }),
    ]);
    t.close();
  });

  it('admits a name from the hosts file at once, and a cached DNS answer only after the first (async) lookup', async () => {
    const policy = new TestPolicy([
      { host: 'wiki.test', port: 443, action: 'allow' },
      { host: 'dns.test', port: 443, action: 'allow' },
    ]);
    const t = setup(policy);
    writeFileSync(join(dir!, 'hosts'), '127.0.0.1 wiki.test\n');
    expect(t.admitter.admitNow(dest('wiki.test', 443))).toMatchObject({ ok: true, ip: '127.0.0.1' });
    expect(t.admitter.admitNow(dest('dns.test', 443))).toBeUndefined();
    expect(await t.admitter.admit(dest('dns.test', 443), () => {})).toMatchObject({ ok: true, ip: '93.184.216.34' });
    expect(t.admitter.admitNow(dest('dns.test', 443))).toMatchObject({ ok: true, ip: '93.184.216.34' });
    expect(t.lookups).toEqual(['dns.test']);
    expect((await readAudit(t.auditFile)).map((l) => `${l.host} ${l.outcome}`)).toEqual(['wiki.test allow', 'dns.test allow', 'dns.test allow']);
    t.close();
  });

  it('leaves denials, asks and peer lookups to admit() and writes nothing itself', async () => {
    const policy = new TestPolicy([{ host: '127.0.0.1', port: 4000, action: 'deny' }]);
    const t = setup(policy);
    expect(t.admitter.admitNow(dest('127.0.0.1', 4000, true))).toBeUndefined();
    // No rule for this port: ask.
    expect(t.admitter.admitNow(dest('127.0.0.1', 4001, true))).toBeUndefined();
    // A resolver without peek: always admit().
    const u = setup(new TestPolicy([{ host: 'name.test', port: 443, action: 'allow' }]), async () => ['127.0.0.1']);
    expect(u.admitter.admitNow(dest('name.test', 443))).toBeUndefined();
    expect(await readAudit(t.auditFile)).toEqual([]);
    expect(await readAudit(u.auditFile)).toEqual([]);
    // admit() then writes exactly one line for the denial.
    expect(await t.admitter.admit(dest('127.0.0.1', 4000, true), () => {})).toMatchObject({ ok: false, refusal: { status: 403 } });
    expect(await readAudit(t.auditFile)).toEqual([expect.objectContaining({ event: 'decision', outcome: 'deny' })]);
    t.close();
    u.close();
  });

  it('defers to admit() when the policy attributes binaries and the peer is not looked up yet', () => {
    const policy = Object.assign(new TestPolicy([{ host: '127.0.0.1', port: 4000, action: 'allow' }]), { usesBinaries: () => true });
    const t = setup(policy);
    const d: Destination = { ...dest('127.0.0.1', 4000, true), peer: new Socket() };
    expect(t.admitter.admitNow(d)).toBeUndefined();
    expect(t.admitter.admitNow({ ...d, binary: null })).toMatchObject({ ok: true });
    t.close();
  });
});
