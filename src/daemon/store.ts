import type { Snapshot } from '../protocol/snapshot.js';

type Parts = Omit<Snapshot, 'seq'>;
type Listener = (s: Snapshot) => void;

// Holds the daemon's published state. Producers patch parts; subscribers get whole snapshots, at most
// one per `intervalMs`, so render work follows the snapshot rate, not the token or packet rate.
export class SnapshotStore {
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastPublish = 0;
  private readonly listeners = new Set<Listener>();

  constructor(
    private parts: Parts,
    private readonly intervalMs = 100,
  ) {}

  get current(): Snapshot {
    return { seq: this.seq, ...this.parts };
  }

  // Replaces one part; publication is throttled.
  patch<K extends keyof Parts>(key: K, value: Parts[K]): void {
    this.parts = { ...this.parts, [key]: value };
    this.seq++;
    this.schedule();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastPublish + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastPublish = Date.now();
      const snap = this.current;
      for (const fn of this.listeners) fn(snap);
    }, wait);
    this.timer.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.listeners.clear();
  }
}
