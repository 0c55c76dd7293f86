// Rows of already-wrapped paragraphs (per width). A view keeps one across frames (`nextRound` drops what
// the previous round did not use), so a streamed reply costs only its changing last paragraph per frame.
export class WrapCache {
  private used = new Map<string, string[]>();
  private old = new Map<string, string[]>();

  get(para: string, width: number): string[] | undefined {
    const key = `${width}\u0000${para}`;
    const hit = this.used.get(key) ?? this.old.get(key);
    if (hit) this.used.set(key, hit);
    return hit;
  }

  set(para: string, width: number, rows: string[]): void {
    this.used.set(`${width}\u0000${para}`, rows);
  }

  // Starts a new round: entries not used since the previous call are forgotten.
  nextRound(): void {
    this.old = this.used;
    this.used = new Map();
  }
}

// Greedy word wrap by code points; long words are hard-broken. Keeps blank lines.
export const wrapText = (text: string, width: number, cache?: WrapCache): string[] => {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para.length === 0) {
      out.push('');
      continue;
    }
    const hit = cache?.get(para, w);
    if (hit) {
      out.push(...hit);
      continue;
    }
    const start = out.length;
    let line = '';
    let len = 0;
    for (const word of para.split(/(\s+)/)) {
      if (word.length === 0) continue;
      const cps = [...word];
      if (len + cps.length <= w) {
        line += word;
        len += cps.length;
        continue;
      }
      if (/^\s+$/.test(word)) {
        out.push(line);
        line = '';
        len = 0;
        continue;
      }
      if (len > 0) {
        out.push(line);
        line = '';
        len = 0;
      }
      for (let i = 0; i < cps.length; i += w) {
        const chunk = cps.slice(i, i + w);
        if (chunk.length === w && i + w < cps.length) out.push(chunk.join(''));
        else {
          line = chunk.join('');
          len = chunk.length;
        }
      }
    }
    out.push(line);
    cache?.set(para, w, out.slice(start));
  }
  return out;
};
