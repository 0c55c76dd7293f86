import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { makeHome, type TestHome } from '../helpers/home.js';
import { RawClient, hello } from '../helpers/raw-client.js';
import { DaemonClient } from '../../src/daemon/client.js';
import { snapshotSchema } from '../../src/protocol/snapshot.js';

let h: TestHome;
beforeAll(async () => {
  h = makeHome();
  const up = await h.cli(['up', '--no-sandbox']);
  expect(up.exitCode, up.stderr).toBe(0);
});
afterAll(async () => h?.cleanup());

const byId = (id: number) => (l: Record<string, unknown>) => l.id === id;

describe('control socket protocol', () => {
  it('requires the hello handshake and checks the protocol version', async () => {
    const c = await RawClient.open(h.paths.socket);
    c.send({ id: 1, method: 'status' });
    expect(await c.next(byId(1))).toMatchObject({ ok: false, error: { code: 'HANDSHAKE_REQUIRED' } });
    c.send({ id: 2, method: 'hello', params: { version: 999, client: { name: 'x' } } });
    expect(await c.next(byId(2))).toMatchObject({ ok: false, error: { code: 'PROTOCOL_MISMATCH' } });
    c.send({ ...hello, id: 3 });
    expect(await c.next(byId(3))).toMatchObject({ ok: true, result: { version: 1 } });
    c.send({ id: 4, method: 'status' });
    expect(await c.next(byId(4))).toMatchObject({ ok: true });
    c.close();
  });

  it('answers garbage, unknown methods, bad params and oversized lines with errors while another client keeps working', async () => {
    const bad = await RawClient.open(h.paths.socket);
    const good = await DaemonClient.connect(h.paths.socket, 'good');
    bad.send(hello);
    await bad.next(byId(0));

    bad.send('this is not json\n');
    expect(await bad.next((l) => l.ok === false && l.id === null)).toMatchObject({ error: { code: 'BAD_JSON' } });
    bad.send({ id: 5, method: 'no.such.method' });
    expect(await bad.next(byId(5))).toMatchObject({ error: { code: 'UNKNOWN_METHOD' } });
    bad.send({ id: 6, method: 'approvals.decide', params: { id: 3 } });
    expect(await bad.next(byId(6))).toMatchObject({ error: { code: 'BAD_PARAMS' } });
    bad.send({ id: 'x', method: 'status' });
    expect(await bad.next((l) => (l.error as { code?: string })?.code === 'BAD_REQUEST')).toBeTruthy();

    // 3 MiB without a newline in several writes, then a valid request on the same connection.
    const from = bad.lines.length;
    const chunk = 'A'.repeat(1 << 20);
    for (let i = 0; i < 3; i++) bad.send(chunk);
    expect((await good.request('status')).daemon.pid).toBeGreaterThan(0);
    bad.send('\n');
    expect(await bad.next((l) => (l.error as { code?: string })?.code === 'TOO_LARGE', from)).toBeTruthy();
    bad.send({ id: 7, method: 'status' });
    expect(await bad.next(byId(7))).toMatchObject({ ok: true });

    expect((await good.request('status')).daemon.pid).toBeGreaterThan(0);
    bad.close();
    good.close();
  });

  it('pushes the same snapshots to every subscribed client', async () => {
    const a = await DaemonClient.connect(h.paths.socket, 'a');
    const b = await DaemonClient.connect(h.paths.socket, 'b');
    const seen = { a: new Map<number, string>(), b: new Map<number, string>() };
    a.onEvent((e, d) => e === 'snapshot' && seen.a.set(snapshotSchema.parse(d).seq, JSON.stringify(d)));
    b.onEvent((e, d) => e === 'snapshot' && seen.b.set(snapshotSchema.parse(d).seq, JSON.stringify(d)));
    await a.request('subscribe');
    await b.request('subscribe');
    // The uptime tick republishes status every second: wait until both saw a common later snapshot.
    const deadline = Date.now() + 10_000;
    let common: number | undefined;
    while (Date.now() < deadline && common === undefined) {
      common = [...seen.a.keys()].find((seq) => seen.b.has(seq) && seq > 0);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(common).toBeDefined();
    expect(seen.a.get(common!)).toBe(seen.b.get(common!));
    a.close();
    b.close();
  });

  it('a client that stops reading does not stall the others', async () => {
    const stuck = await RawClient.open(h.paths.socket);
    stuck.send(hello);
    await stuck.next(byId(0));
    stuck.send({ id: 1, method: 'subscribe' });
    await stuck.next(byId(1));
    stuck.sock.pause();
    const other = await DaemonClient.connect(h.paths.socket, 'other');
    for (let i = 0; i < 50; i++) expect((await other.request('status')).daemon.pid).toBeGreaterThan(0);
    other.close();
    stuck.close();
  });
});
