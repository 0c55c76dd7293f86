import { describe, it, expect } from 'vitest';
import { LineReader } from '../../../src/protocol/line-reader.js';

const collect = (max: number) => {
  const lines: string[] = [];
  let oversize = 0;
  const r = new LineReader((l) => lines.push(l), () => oversize++, max);
  return { r, lines, get oversize() { return oversize; } };
};

describe('LineReader', () => {
  it('splits lines across chunk boundaries', () => {
    const c = collect(100);
    c.r.push(Buffer.from('{"a":'));
    c.r.push(Buffer.from('1}\n{"b":2}\n{"c"'));
    c.r.push(Buffer.from(':3}\n'));
    expect(c.lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('reports an oversized line once and resumes at the next newline', () => {
    const c = collect(10);
    c.r.push(Buffer.from('x'.repeat(8)));
    c.r.push(Buffer.from('x'.repeat(8)));
    c.r.push(Buffer.from('x'.repeat(8) + '\nok\n'));
    expect(c.oversize).toBe(1);
    expect(c.lines).toEqual(['ok']);
  });

  it('ignores blank lines and keeps multi-byte characters split across chunks intact', () => {
    const c = collect(100);
    const bytes = Buffer.from('"é"\n\n');
    c.r.push(bytes.subarray(0, 2));
    c.r.push(bytes.subarray(2));
    expect(c.lines).toEqual(['"é"']);
  });
});
