import { MAX_LINE_BYTES } from './version.js';

// Splits a byte stream into newline-delimited lines with a hard cap: a line over `max` bytes is reported
// once via onOversize and its remainder skipped up to the next newline, so one bad peer cannot grow memory.
export class LineReader {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOversize: () => void,
    private readonly max = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.skipping) {
        this.size += end - start;
        if (this.size > this.max) {
          this.skipping = true;
          this.parts = [];
          this.size = 0;
          this.onOversize();
        } else {
          this.parts.push(chunk.subarray(start, end));
        }
      }
      if (nl === -1) break;
      if (!this.skipping) {
        const line = Buffer.concat(this.parts).toString('utf8');
        this.parts = [];
        this.size = 0;
        if (line.trim()) this.onLine(line);
      }
      this.skipping = false;
      start = nl + 1;
    }
  }
}
