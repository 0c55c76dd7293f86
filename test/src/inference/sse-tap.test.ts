import { describe, it, expect } from 'vitest';
import { SseTap } from '../../../src/inference/sse-tap.js';

const ev = (obj: unknown): string => `data: ${JSON.stringify(obj)}\n\n`;
const delta = (content: string) => ev({ choices: [{ index: 0, delta: { content } }] });
const usage = ev({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 3 } });
const role = ev({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });

const run = (text: string, pieces = 1) => {
  let deltas = 0;
  const tap = new SseTap({ onDelta: () => deltas++ });
  const buf = Buffer.from(text);
  const step = Math.ceil(buf.length / pieces);
  for (let o = 0; o < buf.length; o += step) tap.push(buf.subarray(o, o + step));
  return { deltas, ...tap.finish() };
};

describe('SseTap', () => {
  it('Counts output chunks (not the role-only one) and takes usage from the final chunk', () => {
    const r = run(role + delta('Hel') + delta('lo') + delta('!') + usage + 'data: [DONE]\n\n');
    expect(r.usage).toEqual({ prompt_tokens: 11, completion_tokens: 3 });
    expect(r.deltas).toBeGreaterThanOrEqual(3);
  });

  it('Finds usage when the stream arrives split at arbitrary byte boundaries', () => {
    const r = run(role + delta('a') + delta('b') + usage + 'data: [DONE]\n\n', 37);
    expect(r.usage).toMatchObject({ completion_tokens: 3 });
  });

  it('Without usage, returns the generated text (content, reasoning, tool calls) and counts garbage', () => {
    const tool = ev({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'exec', arguments: '{"cmd":' } }] } }] });
    const r = run(delta('Hi ') + ev({ choices: [{ delta: { reasoning_content: 'think ' } }] }) + tool + 'data: {not json\n\n' + 'data: [DONE]\n\n');
    expect(r.usage).toBeNull();
    expect(r.text).toBe('Hi think exec{"cmd":');
    expect(r.garbage).toBe(1);
  });

  it('Keeps memory bounded on a very long stream: usage still found, else the chunk count stands in', () => {
    const body = delta('x'.repeat(100)).repeat(60_000);
    const withUsage = run(body + usage, 500);
    expect(withUsage.usage).toMatchObject({ prompt_tokens: 11 });
    const without = run(body, 500);
    expect(without.usage).toBeNull();
    expect(without.text).toBeNull();
    expect(without.chunks).toBeGreaterThanOrEqual(60_000);
  });
});
