import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { rotateIfLarge } from '../daemon/log.js';

// One line of the audit log. `event`: decision (allow/deny/ask outcome), held (waiting for the operator),
// close (an allowed connection ended: bytes and duration), revoked (closed by a policy change).
export interface AuditEntry {
  event: 'decision' | 'held' | 'close' | 'revoked' | 'refused' | 'inspect';
  conn: number;
  verdict?: 'allow' | 'deny' | 'ask';
  outcome?: 'allow' | 'deny';
  by?: string;
  rule?: string | null;
  reason?: string;
  host?: string;
  port?: number;
  ip?: string | null;
  scheme?: 'connect' | 'http' | 'https';
  method?: string;
  path?: string;
  approval?: string;
  audit_only?: boolean;
  bytes_up?: number;
  bytes_down?: number;
  duration_ms?: number;
  // L7 inspection: request body size when known (content-length), and the upstream TLS failure.
  body_bytes?: number | null;
  tls_error?: string;
  // binaries[] attribution: the executable that opened the connection (only when the policy has binaries).
  binary?: string;
}

// One JSON line, time first: the same text as JSON.stringify({ t, ...entry }) without copying the entry.
const line = (entry: AuditEntry): string => {
  const rest = JSON.stringify(entry);
  return `{"t":"${new Date().toISOString()}"${rest.length > 2 ? ',' : ''}${rest.slice(1)}\n`;
};

// Append-only JSONL with one write(2) per line: the line is in the kernel before the decision takes effect,
// so kill -9 of the daemon loses no completed line. Rotates by size (file → file.1 → …).
export class AuditLog {
  private fd: number;
  private size: number;
  private closed = false;
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly opts: { maxBytes?: number; keep?: number } = {},
  ) {
    this.fd = openSync(file, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  // Synchronous on purpose: callers act on the decision only after this returns.
  write(entry: AuditEntry): void {
    if (this.closed) return;
    this.flush(line(entry));
  }

  // For after-the-fact lines (bytes and duration of a finished request, never a decision): written with the next
  // decision line or within 20 ms, whichever comes first, so a busy keep-alive client costs one write per request.
  // The timer is not re-armed per line: one pending timer covers every line queued until it fires.
  writeSoon(entry: AuditEntry): void {
    if (this.closed) return;
    this.pending += line(entry);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush('');
    }, 20);
  }

  private flush(extra: string): void {
    const text = this.pending + extra;
    this.pending = '';
    if (!text) return;
    // The string goes to write(2) without a Buffer on the heap (one line per decision adds up); the rest of a
    // short write, which a regular file only gives when it is failing, is written from a Buffer.
    const bytes = Buffer.byteLength(text);
    let off = writeSync(this.fd, text);
    if (off < bytes) {
      const buf = Buffer.from(text);
      while (off < buf.length) off += writeSync(this.fd, buf, off);
    }
    this.size += bytes;
    if (this.size >= (this.opts.maxBytes ?? 20 << 20)) this.rotate();
  }

  private rotate(): void {
    closeSync(this.fd);
    rotateIfLarge(this.file, this.opts.maxBytes ?? 20 << 20, this.opts.keep ?? 5);
    this.fd = openSync(this.file, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  close(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush('');
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
