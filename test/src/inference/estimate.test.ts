import { describe, it, expect } from 'vitest';
import { countTokens as bpe } from 'gpt-tokenizer';
import { countTokens, preloadTokenizer } from '../../../src/inference/estimate.js';

describe('countTokens', () => {
  it('Counts with the real BPE tokenizer once it has loaded', async () => {
    await preloadTokenizer();
    for (const s of ['Hello world!', 'The quick brown fox jumps over the lazy dog.', '{"cmd":"ls -la"}', 'Grüße, 世界']) {
      expect(countTokens(s)).toBe(bpe(s));
    }
    expect(countTokens('')).toBe(0);
  });
});
