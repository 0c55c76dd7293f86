import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileLogger, rotateIfLarge } from '../../../src/daemon/log.js';

const dir = () => mkdtempSync(join(tmpdir(), 'log-'));

describe('daemon log', () => {
  it('writes one JSON object per line with level and message', () => {
    const f = join(dir(), 'd.log');
    const log = createFileLogger(f);
    log.info('hello', { n: 1 });
    log.error('boom', { err: new Error('bad') });
    const lines = readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'hello', n: 1 });
    expect(lines[1].err).toContain('Error: bad');
  });

  it('rotates by size and keeps a bounded number of old files', () => {
    const d = dir();
    const f = join(d, 'd.log');
    for (let i = 1; i <= 5; i++) {
      writeFileSync(f, `gen${i}`.padEnd(100, '.'));
      rotateIfLarge(f, 50, 3);
    }
    expect(existsSync(f)).toBe(false);
    expect(readFileSync(`${f}.1`, 'utf8')).toMatch(/^gen5/);
    expect(readFileSync(`${f}.3`, 'utf8')).toMatch(/^gen3/);
    expect(existsSync(`${f}.4`)).toBe(false);
  });

  it('leaves a small file alone', () => {
    const f = join(dir(), 'd.log');
    writeFileSync(f, 'x');
    rotateIfLarge(f, 50, 3);
    expect(readFileSync(f, 'utf8')).toBe('x');
  });

  it('rotates while logging once the file passes the cap', () => {
    const f = join(dir(), 'd.log');
    const log = createFileLogger(f, { maxBytes: 10_000, keep: 2 });
    for (let i = 0; i < 2000; i++) log.info('x'.repeat(100));
    expect(existsSync(`${f}.1`)).toBe(true);
    expect(existsSync(`${f}.3`)).toBe(false);
  });
});
