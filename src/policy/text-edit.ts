import { Document, isMap, isSeq, parseDocument, type Node, type YAMLMap, type YAMLSeq } from 'yaml';

// Edits policy text by splicing new lines into the original, so every byte the edit does not touch
// (comment alignment, blank lines, quoting, flow maps) stays exactly as the operator wrote it.
// Each helper returns null when the target is flow-style; callers then fall back to the Document API.

const lineStart = (t: string, off: number): number => t.lastIndexOf('\n', off - 1) + 1;
const lineEnd = (t: string, off: number): number => {
  const i = t.indexOf('\n', off);
  return i < 0 ? t.length : i;
};
// The offset just after the last non-blank character before `off`.
const contentEnd = (t: string, off: number): number => {
  let i = off;
  while (i > 0 && /\s/.test(t[i - 1]!)) i--;
  return i;
};

const block = (value: unknown): string[] =>
  new Document(value).toString({ lineWidth: 0 }).replace(/\n$/, '').split('\n');

const splice = (t: string, at: number, insert: string): string => t.slice(0, at) + insert + t.slice(at);

// Parses text for editing (offsets refer to this exact text).
export const parseForEdit = (text: string): Document => parseDocument(text);

// Appends one item to a non-empty block sequence, indented like its first item.
export const appendToSeq = (text: string, seq: YAMLSeq, value: unknown): string | null => {
  if (seq.flow || !seq.items.length || !seq.range) return null;
  const dash = seq.range[0];
  if (text[dash] !== '-') return null;
  const indent = ' '.repeat(dash - lineStart(text, dash));
  const last = seq.items[seq.items.length - 1] as Node;
  const at = lineEnd(text, contentEnd(text, last.range?.[1] ?? seq.range[1]));
  const lines = block(value).map((l, i) => (i === 0 ? `${indent}- ${l}` : `${indent}  ${l}`));
  return splice(text, at, `\n${lines.join('\n')}`);
};

// Appends a key to a non-empty block mapping, indented like its first key.
export const appendToMap = (text: string, map: YAMLMap, key: string, value: unknown): string | null => {
  if (map.flow || !map.items.length || !map.range) return null;
  const firstKey = map.items[0]!.key as Node;
  const start = firstKey.range?.[0];
  if (start === undefined) return null;
  const indent = ' '.repeat(start - lineStart(text, start));
  const lastPair = map.items[map.items.length - 1]!;
  const end = (lastPair.value as Node | null)?.range?.[1] ?? (lastPair.key as Node).range?.[1] ?? map.range[1];
  const at = lineEnd(text, contentEnd(text, end));
  const lines = block({ [key]: value }).map((l) => `${indent}${l}`);
  return splice(text, at, `\n${lines.join('\n')}`);
};

// Removes one key's lines from a block mapping (never its last key).
export const removeFromMap = (text: string, map: YAMLMap, key: string): string | null => {
  if (map.flow || map.items.length < 2) return null;
  const pair = map.items.find((p) => String((p.key as { value?: unknown }).value) === key);
  const k = pair?.key as Node | undefined;
  if (!pair || !k?.range) return null;
  const from = lineStart(text, k.range[0]);
  if (text.slice(from, k.range[0]).trim() !== '') return null; // key shares its line (first key after "- ")
  const end = (pair.value as Node | null)?.range?.[1] ?? k.range[1];
  const to = lineEnd(text, contentEnd(text, end));
  return text.slice(0, from) + text.slice(Math.min(text.length, to + 1));
};

// Removes one item from a block sequence (never its last item).
export const removeFromSeq = (text: string, seq: YAMLSeq, index: number): string | null => {
  if (seq.flow || seq.items.length < 2) return null;
  const item = seq.items[index] as Node | undefined;
  if (!item?.range) return null;
  const from = lineStart(text, item.range[0]);
  if (!/^\s*-\s*$/.test(text.slice(from, item.range[0]))) return null;
  const to = lineEnd(text, contentEnd(text, item.range[1]));
  return text.slice(0, from) + text.slice(Math.min(text.length, to + 1));
};

// Adds a top-level key at the end of the document.
export const appendTopLevel = (text: string, key: string, value: unknown): string => {
  const sep = text.length === 0 || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}${block({ [key]: value }).join('\n')}\n`;
};

export { isMap, isSeq };
