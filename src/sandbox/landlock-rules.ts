import { formatIssue } from '../policy/load.js';
import type { PolicyFile } from '../policy/schema.js';
import type { YamlIssue } from '../config/yaml-validate.js';
import { ClawdeckError } from '../protocol/errors.js';

export interface LandlockRules {
  compat: 'best_effort' | 'hard_requirement';
  readOnly: string[];
  readWrite: string[];
  // Which file the rules came from (shown in status).
  source: string;
}

// What the sandbox needs of the policy service (src/policy/service.ts PolicyService).
export interface SandboxPolicy {
  engine: { file: string; live: { policy: PolicyFile } };
  sandboxStarted(): void;
  startErrors(): YamlIssue[];
}

// The rules for a container about to start, from the validated policy in force (never re-read from disk);
// marks that policy's static sections as in force. A policy invalid since daemon start refuses the sandbox.
export const landlockRulesForStart = (policy: SandboxPolicy): LandlockRules => {
  const errors = policy.startErrors();
  if (errors.length) {
    throw new ClawdeckError('SANDBOX_POLICY_INVALID', `the policy has errors, so the sandbox cannot start: ${formatIssue(errors[0]!)}`, {
      hint: 'Fix it (clawdeck policy check) and run clawdeck up again',
      where: errors.map(({ file, line, col }) => ({ file, line, col })),
    });
  }
  const rules = rulesOf(policy.engine.live.policy, policy.engine.file);
  policy.sandboxStarted();
  return rules;
};

// filesystem_policy + landlock → rules; include_workdir adds /sandbox read-write (the agent's workdir).
export const rulesOf = (p: PolicyFile, source: string): LandlockRules => {
  const fs = p.filesystem_policy ?? {};
  const readWrite = [...(fs.read_write ?? [])];
  if (fs.include_workdir && !readWrite.includes('/sandbox')) readWrite.push('/sandbox');
  return {
    compat: p.landlock?.compatibility ?? 'best_effort',
    readOnly: [...(fs.read_only ?? [])],
    readWrite,
    source,
  };
};

// The launcher's rules file format: one "compat", then "ro PATH" / "rw PATH" lines.
export const formatRules = (r: LandlockRules): string =>
  [`compat ${r.compat}`, ...r.readOnly.map((p) => `ro ${p}`), ...r.readWrite.map((p) => `rw ${p}`)].join('\n') + '\n';
