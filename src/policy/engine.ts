import { readFile } from 'node:fs/promises';
import type { YamlIssue } from '../config/yaml-validate.js';
import { ClawdeckError } from '../protocol/errors.js';
import type { EgressRequest, PolicyDecision, PolicyEngine, RuleAddition } from './engine-types.js';
import { decide } from './matcher.js';
import { diffPolicies, type PolicyDiff } from './diff.js';
import { loadPolicyText, type LoadedPolicy, type LoadResult } from './load.js';
import type { PolicyFile, PresetFile } from './schema.js';
import {
  addEndpoint, APPROVED_KEY, deleteEndpoint, DENIED_KEY, endpointForAddition, mergePreset, toggleEndpoint, writePolicyFile,
  type TextEdit,
} from './writer.js';

// Why a swap happened, for logs and notices.
export type SwapSource = 'start' | 'reload' | 'write';

export interface EngineHooks {
  // After any state change (swap, rejected reload): publish status and snapshot.
  onState?: (engine: FilePolicyEngine, event: { kind: 'swap'; source: SwapSource; diff: PolicyDiff } | { kind: 'rejected'; errors: YamlIssue[] }) => void;
  now?: () => number;
}

const invalid = (errors: YamlIssue[], what: string): ClawdeckError =>
  new ClawdeckError('POLICY_INVALID', `${what}: ${errors[0]?.message ?? 'invalid policy'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, {
    hint: 'Fix the listed lines; the policy in force is unchanged.',
    where: errors.map(({ file, line, col }) => ({ file, line, col })),
  });

// The live policy from one file: decisions from the compiled index, validated swaps, comment-preserving writes.
export class FilePolicyEngine implements PolicyEngine {
  #live: LoadedPolicy;
  #generation = 1;
  #listeners = new Set<() => void>();
  #errors: YamlIssue[] = [];
  #loadedAt: string;
  // The static sections the running sandbox was started with.
  #staticInForce: PolicyFile;
  #expiryTimer: NodeJS.Timeout | undefined;
  #writes: Promise<unknown> = Promise.resolve();
  readonly file: string;
  readonly #hooks: EngineHooks;

  constructor(file: string, initial: LoadedPolicy, hooks: EngineHooks = {}) {
    this.file = file;
    this.#live = initial;
    this.#hooks = hooks;
    this.#staticInForce = initial.policy;
    this.#loadedAt = new Date(this.#now()).toISOString();
    this.#scheduleExpiry();
  }

  // Loads the file once; throws POLICY_INVALID (with positions) if it is not a valid policy.
  static async open(file: string, hooks: EngineHooks = {}): Promise<FilePolicyEngine> {
    const text = await readFile(file, 'utf8');
    const r = loadPolicyText(text, file);
    if (!r.ok) throw invalid(r.errors, `${file} is not a valid policy`);
    return new FilePolicyEngine(file, r, hooks);
  }

  #now(): number {
    return this.#hooks.now?.() ?? Date.now();
  }

  get generation(): number {
    return this.#generation;
  }
  get live(): LoadedPolicy {
    return this.#live;
  }
  // Errors of the latest rejected reload (empty when the file on disk is the policy in force).
  get errors(): YamlIssue[] {
    return this.#errors;
  }
  get loadedAt(): string {
    return this.#loadedAt;
  }

  decide(req: EgressRequest): PolicyDecision {
    return decide(this.#live.compiled, req, this.#now());
  }

  usesBinaries(): boolean {
    return this.#live.compiled.usesBinaries;
  }

  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  // Static sections changed since the sandbox started; they wait for a restart.
  staticPending(): string[] {
    return diffPolicies(this.#staticInForce, this.#live.policy).static_changed;
  }

  // The sandbox was (re)started with the policy now in force: its static sections are live.
  markSandboxStarted(): void {
    this.#staticInForce = this.#live.policy;
  }

  // The one-line notice for TUIs: pending restart, or null.
  notice(): string | null {
    const pending = this.staticPending();
    return pending.length ? `${pending.join(', ')} changed: needs a sandbox restart (clawdeck restart); the running sandbox keeps the old settings` : null;
  }

  // Validates without touching anything.
  check(text: string, file = this.file): LoadResult {
    return loadPolicyText(text, file);
  }

  // What applying `text` would change; throws POLICY_INVALID if it does not validate.
  diff(text: string, file = this.file): PolicyDiff {
    const r = loadPolicyText(text, file);
    if (!r.ok) throw invalid(r.errors, 'the new policy is invalid');
    return diffPolicies(this.#live.policy, r.policy);
  }

  #swap(next: LoadedPolicy, source: SwapSource): void {
    const diff = diffPolicies(this.#live.policy, next.policy);
    this.#live = next;
    this.#errors = [];
    this.#generation++;
    this.#loadedAt = new Date(this.#now()).toISOString();
    this.#scheduleExpiry();
    this.#hooks.onState?.(this, { kind: 'swap', source, diff });
    this.#emit();
  }

  #emit(): void {
    for (const fn of this.#listeners) {
      try {
        fn();
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }

  // When a ttl/expires rule lapses, listeners re-check live connections (the decision itself checks the clock).
  #scheduleExpiry(): void {
    clearTimeout(this.#expiryTimer);
    const at = this.#live.compiled.nextExpiry;
    if (at === null) return;
    const delay = Math.min(Math.max(0, at - this.#now()) + 5, 2 ** 31 - 1);
    this.#expiryTimer = setTimeout(() => {
      this.#generation++;
      this.#emit();
    }, delay);
    this.#expiryTimer.unref();
  }

  // Hot reload of text read from disk: invalid text is reported and never applied; our own writes are recognized.
  reloadText(text: string): { applied: boolean; errors: YamlIssue[] } {
    if (text === this.#live.text) {
      if (this.#errors.length) {
        this.#errors = [];
        this.#hooks.onState?.(this, { kind: 'swap', source: 'reload', diff: { changes: [], static_changed: [] } });
      }
      return { applied: false, errors: [] };
    }
    const r = loadPolicyText(text, this.file);
    if (!r.ok) {
      this.#errors = r.errors;
      this.#hooks.onState?.(this, { kind: 'rejected', errors: r.errors });
      return { applied: false, errors: r.errors };
    }
    this.#swap(r, 'reload');
    return { applied: true, errors: [] };
  }

  // Re-reads the file (watcher); a missing file keeps the policy in force.
  async reloadFromDisk(): Promise<{ applied: boolean; errors: YamlIssue[] }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return { applied: false, errors: [] };
    }
    return this.reloadText(text);
  }

  #serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(fn, fn);
    this.#writes = run.catch(() => undefined);
    return run;
  }

  // Validates, writes atomically (with .bak) and swaps before resolving. The watcher then sees its own text and skips.
  applyText(text: string): Promise<PolicyDiff> {
    return this.#serialize(async () => {
      const r = loadPolicyText(text, this.file);
      if (!r.ok) throw invalid(r.errors, 'the new policy is invalid');
      const diff = diffPolicies(this.#live.policy, r.policy);
      const disk = await readFile(this.file, 'utf8').catch(() => undefined);
      if (disk !== text) await writePolicyFile(this.file, text);
      // Re-applying the policy in force only repairs the file on disk; nothing swaps.
      if (text !== this.#live.text) this.#swap(r, 'write');
      return diff;
    });
  }

  // Edits the file's text in place (comments, order and layout kept), then writes and swaps.
  #editText<T>(edit: (text: string) => TextEdit<T>): Promise<T> {
    return this.#serialize(async () => {
      let base: string;
      try {
        base = await readFile(this.file, 'utf8');
      } catch {
        base = this.#live.text;
      }
      const current = loadPolicyText(base, this.file);
      if (!current.ok) {
        throw new ClawdeckError('POLICY_FILE_INVALID', `${this.file} has errors; not writing into it`, {
          hint: 'Fix the file first (clawdeck policy check), then retry.',
          where: current.errors.map(({ file, line, col }) => ({ file, line, col })),
        });
      }
      const { text, result } = edit(base);
      const next = loadPolicyText(text, this.file);
      if (!next.ok) throw invalid(next.errors, 'the edited policy did not validate');
      if (text !== base) await writePolicyFile(this.file, text);
      if (text !== this.#live.text) this.#swap(next, 'write');
      return result;
    });
  }

  async addRule(rule: RuleAddition): Promise<void> {
    const endpoint = endpointForAddition(rule, new Date(this.#now()));
    await this.#editText((text) => addEndpoint(text, rule.action === 'deny' ? DENIED_KEY : APPROVED_KEY, endpoint));
  }

  // TUI: flips an endpoint on/off by rule id; returns the new enabled state.
  toggleEndpoint(id: string): Promise<boolean> {
    return this.#editText((text) => toggleEndpoint(text, id));
  }

  // TUI: removes an endpoint by rule id.
  deleteEndpoint(id: string): Promise<void> {
    return this.#editText((text) => deleteEndpoint(text, id));
  }

  // Merges a preset without dropping anything; returns the endpoints it added.
  addPreset(preset: PresetFile): Promise<string[]> {
    return this.#editText((text) => mergePreset(text, preset));
  }

  stop(): void {
    clearTimeout(this.#expiryTimer);
    this.#listeners.clear();
  }
}
