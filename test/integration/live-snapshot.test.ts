import { describe, it, expect, afterEach } from 'vitest';
import { makeHome, waitFor, type TestHome } from '../helpers/home.js';
import { LiveSnapshot } from '../../src/daemon/live-snapshot.js';

let h: TestHome | undefined;
let live: LiveSnapshot | undefined;
afterEach(async () => {
  live?.close();
  await h?.cleanup();
});

describe('LiveSnapshot (the TUI client store)', () => {
  it('keeps trying while no daemon runs, then connects and receives the first snapshot', async () => {
    h = makeHome();
    live = new LiveSnapshot(h.paths.socket, { minBackoffMs: 20, maxBackoffMs: 100 }).start();
    await waitFor(() => live!.getView().connection.attempt >= 2, 'retries');
    expect(live.getView().connection.state).toBe('connecting');
    expect((await h.cli(['up', '--no-sandbox'])).exitCode).toBe(0);
    await waitFor(() => live!.getView().connection.state === 'connected' && live!.getView().snapshot, 'connected with a snapshot');
    expect(live.getView().snapshot!.status.sandbox.state).toBe('disabled');
  });

  it('notices the daemon going away, keeps the last snapshot, and reconnects after a restart', async () => {
    h = makeHome();
    expect((await h.cli(['up', '--no-sandbox'])).exitCode).toBe(0);
    live = new LiveSnapshot(h.paths.socket, { minBackoffMs: 20, maxBackoffMs: 100 }).start();
    await waitFor(() => live!.getView().snapshot, 'first snapshot');
    const pid1 = live.getView().snapshot!.status.daemon.pid;
    const changes: string[] = [];
    live.subscribe(() => changes.push(live!.getView().connection.state));
    expect((await h.cli(['down'])).exitCode).toBe(0);
    await waitFor(() => live!.getView().connection.state === 'reconnecting', 'reconnecting');
    expect(live.getView().snapshot!.status.daemon.pid).toBe(pid1);
    expect((await h.cli(['up', '--no-sandbox'])).exitCode).toBe(0);
    await waitFor(() => live!.getView().snapshot?.status.daemon.pid !== pid1 && live!.getView().connection.state === 'connected', 'new daemon');
    expect(changes).toContain('reconnecting');
  });

  it('whenLive resolves once connected with a snapshot, or after its timeout when no daemon answers', async () => {
    h = makeHome();
    live = new LiveSnapshot(h.paths.socket, { minBackoffMs: 20, maxBackoffMs: 50 }).start();
    const t0 = Date.now();
    await live.whenLive(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(live.getView().snapshot).toBeNull();
    live.close();
    expect((await h.cli(['up', '--no-sandbox'])).exitCode).toBe(0);
    live = new LiveSnapshot(h.paths.socket).start();
    await live.whenLive(30_000);
    expect(live.getView().connection.state).toBe('connected');
    expect(live.getView().snapshot?.status.sandbox.state).toBe('disabled');
  });

  it('rejects requests while disconnected instead of queueing them', async () => {
    h = makeHome();
    live = new LiveSnapshot(h.paths.socket, { minBackoffMs: 1000 }).start();
    await expect(live.request('status')).rejects.toMatchObject({ code: 'DAEMON_GONE' });
  });
});
