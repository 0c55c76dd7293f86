import { connect, type Socket } from 'node:net';

// A bare NDJSON socket client for protocol tests: sends raw bytes, collects parsed lines.
export class RawClient {
  readonly lines: Record<string, unknown>[] = [];
  private buf = '';
  private constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let nl;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(this.buf.slice(0, nl)));
        this.buf = this.buf.slice(nl + 1);
      }
    });
  }

  static open(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(obj: unknown): void {
    this.sock.write(typeof obj === 'string' ? obj : JSON.stringify(obj) + '\n');
  }

  // Waits for the first line matching pred that arrived after `from` lines.
  async next(pred: (l: Record<string, unknown>) => boolean, from = 0, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find(pred);
      if (hit) return hit;
      if (this.sock.destroyed) throw new Error('socket closed while waiting');
      if (Date.now() > deadline) throw new Error(`no matching line; got ${JSON.stringify(this.lines.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

export const hello = { id: 0, method: 'hello', params: { version: 1, client: { name: 'test' } } };
