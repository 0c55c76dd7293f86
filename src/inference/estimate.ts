import { countTokens as countO200k } from 'gpt-tokenizer';

// Token count of text with a real BPE tokenizer (o200k); used only where the provider reports no usage.
export const countTokens = (text: string): number => (text ? countO200k(text) : 0);
