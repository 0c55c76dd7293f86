import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import type { Where } from '../protocol/errors.js';

export interface YamlIssue extends Where {
  message: string;
}

export type YamlResult<T> =
  | { ok: true; value: T; doc: Document; lineCounter: LineCounter }
  | { ok: false; errors: YamlIssue[] };

type PathKey = string | number | symbol;

// Finds the node at a zod issue path; with `key`, the key node of that entry (for unknown-key errors).
const findNode = (doc: Document, path: readonly PathKey[], key?: string): Node | undefined => {
  let node: unknown = doc.contents;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === String(seg));
      // A missing key (required field) points at the map that lacks it.
      if (!pair) break;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number') {
      if (!node.items[seg]) break;
      node = node.items[seg];
    } else {
      break;
    }
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === key);
    if (pair?.key) return pair.key as Node;
  }
  return (node ?? undefined) as Node | undefined;
};

const describePath = (path: readonly PathKey[]): string =>
  path.length ? path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${String(s)}`)).join('').replace(/^\./, '') : '(top level)';

// Parses YAML text and validates it with a zod schema; every error carries file:line:col.
export const parseYaml = <S extends z.ZodType>(text: string, file: string, schema: S): YamlResult<z.infer<S>> => {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number | undefined): { line: number; col: number } =>
    offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);

  if (doc.errors.length) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ file, ...pos(e.pos[0]), message: e.message.split('\n')[0] ?? e.message })),
    };
  }
  const data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data, doc, lineCounter };

  const errors: YamlIssue[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const node = findNode(doc, issue.path, key);
        const where = describePath([...issue.path, key]);
        errors.push({ file, ...pos(node?.range?.[0]), message: `unknown key "${key}" at ${where}` });
      }
      continue;
    }
    const node = findNode(doc, issue.path);
    errors.push({ file, ...pos(node?.range?.[0]), message: `${describePath(issue.path)}: ${issue.message}` });
  }
  errors.sort((a, b) => a.line - b.line || a.col - b.col);
  return { ok: false, errors };
};
