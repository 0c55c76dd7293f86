import { describe, it, expect, vi, afterEach } from 'vitest';
import { SnapshotStore } from '../../../src/daemon/store.js';
import { initialSnapshot } from '../../../src/daemon/initial-snapshot.js';
import { resolvePaths } from '../../../src/config/paths.js';
import { configSchema } from '../../../src/config/schema.js';
import { snapshotSchema, type Snapshot } from '../../../src/protocol/snapshot.js';

afterEach(() => vi.useRealTimers());

const make = () => new SnapshotStore(initialSnapshot(resolvePaths({ CLAWDECK_HOME: '/x' }), configSchema.parse({}), true, new Date()), 100);

describe('SnapshotStore', () => {
  it('starts from a snapshot that satisfies the wire schema', () => {
    expect(snapshotSchema.safeParse(make().current).success).toBe(true);
  });

  it('publishes at most once per interval however many patches arrive, always the latest state', () => {
    vi.useFakeTimers();
    const store = make();
    const got: Snapshot[] = [];
    store.subscribe((s) => got.push(s));
    for (let i = 0; i < 1000; i++) store.patch('notices', [{ id: i, level: 'info', text: `n${i}`, at: '' }]);
    vi.advanceTimersByTime(50);
    expect(got.length).toBe(1);
    expect(got[0]!.notices[0]!.text).toBe('n999');
    for (let i = 0; i < 1000; i++) store.patch('notices', []);
    // The first publish was at t=0; the next may come no earlier than t=100.
    vi.advanceTimersByTime(49);
    expect(got.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(got.length).toBe(2);
    expect(got[1]!.seq).toBeGreaterThan(got[0]!.seq);
  });
});
