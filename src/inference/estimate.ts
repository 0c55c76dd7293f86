type Counter = (text: string) => number;

let counter: Counter | undefined;
let loading: Promise<void> | undefined;

// Loads the BPE tokenizer (o200k) on first need: it costs a few hundred ms of CPU and ~75 MB of memory.
export const preloadTokenizer = (): Promise<void> =>
  (loading ??= import('gpt-tokenizer').then((m) => {
    counter = m.countTokens as Counter;
  }));

// True once estimates use the real tokenizer.
export const tokenizerReady = (): boolean => counter !== undefined;

// Token count of text with a real BPE tokenizer; used only where the provider reports no usage (and the
// figure is flagged as an estimate). Before the tokenizer has loaded, ~4 characters per token.
export const countTokens = (text: string): number => {
  if (!text) return 0;
  if (counter) return counter(text);
  void preloadTokenizer();
  return Math.ceil(text.length / 4);
};
