import type { Document } from 'yaml';
import { parseYaml, type YamlIssue } from '../config/yaml-validate.js';
import { compilePolicy, type CompiledPolicy } from './compile.js';
import { policyFileSchema, type PolicyFile } from './schema.js';

// A policy that parsed, validated and compiled: everything a swap needs.
export interface LoadedPolicy {
  text: string;
  policy: PolicyFile;
  doc: Document;
  compiled: CompiledPolicy;
}

export type LoadResult = ({ ok: true } & LoadedPolicy) | { ok: false; errors: YamlIssue[] };

// Parses → validates → compiles policy text; errors carry file:line:col and nothing is half-built.
export const loadPolicyText = (text: string, file: string): LoadResult => {
  const r = parseYaml(text, file, policyFileSchema);
  if (!r.ok) return r;
  return { ok: true, text, policy: r.value, doc: r.doc, compiled: compilePolicy(r.value) };
};

// One error per line in the compiler style editors understand.
export const formatIssue = (e: YamlIssue): string => `${e.file}:${e.line}:${e.col}: ${e.message}`;
