import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { withDaemon } from '../connect.js';
import { printJson, table } from '../output.js';
import { ClawdeckError, isClawdeckError } from '../../protocol/errors.js';
import { resolvePaths } from '../../config/paths.js';
import { formatIssue, loadPolicyText } from '../../policy/load.js';
import { diffPolicies, formatDiff, type PolicyDiff } from '../../policy/diff.js';
import { listPresets } from '../../policy/presets.js';
import type { YamlIssue } from '../../config/yaml-validate.js';

const readPolicy = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ClawdeckError('FILE_NOT_FOUND', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
};

// Validates locally; prints FILE:LINE:COL: message per error and sets exit code 1. Returns the errors.
const checkLocally = (file: string, text: string, json: boolean): YamlIssue[] => {
  const r = loadPolicyText(text, file);
  const errors = r.ok ? [] : r.errors;
  if (json) printJson({ file, valid: r.ok, errors });
  else if (r.ok) process.stdout.write(`${file}: valid (${r.compiled.rules.length} endpoints in ${Object.keys(r.policy.network_policies ?? {}).length} policies)\n`);
  else for (const e of errors) process.stdout.write(formatIssue(e) + '\n');
  if (errors.length) process.exitCode = 1;
  return errors;
};

const printDiff = (d: PolicyDiff): void => {
  process.stdout.write(formatDiff(d).join('\n') + '\n');
};

// One line reader for the whole edit session: answers typed ahead (or piped) are not lost between prompts.
const prompter = (): { ask(q: string): Promise<string>; close(): void } => {
  let rl: ReturnType<typeof createInterface> | undefined;
  const lines: string[] = [];
  const waiting: Array<(l: string) => void> = [];
  return {
    ask: (q) => {
      if (!rl) {
        rl = createInterface({ input: process.stdin, terminal: false });
        rl.on('line', (l) => (waiting.length ? waiting.shift()!(l) : lines.push(l)));
        rl.on('close', () => waiting.splice(0).forEach((w) => w('')));
      }
      process.stderr.write(q);
      const next = lines.shift();
      if (next !== undefined) return Promise.resolve(next.trim().toLowerCase());
      return new Promise((resolve) => waiting.push((l) => resolve(l.trim().toLowerCase())));
    },
    close: () => rl?.close(),
  };
};

// Opens $VISUAL/$EDITOR (which may carry arguments) on a file and waits for it.
const runEditor = (file: string): void => {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit' });
  if (r.status !== 0) throw new ClawdeckError('EDITOR_FAILED', `the editor (${editor}) exited with ${r.status ?? r.signal}`, { hint: 'Set $EDITOR to an editor that waits until the file is closed.' });
};

// `policy edit`: a copy in $EDITOR → validate (loop back on errors) → diff → confirm → apply.
const edit = async (opts: { yes?: boolean }): Promise<void> => {
  await withDaemon('cli-policy-edit', async (c) => {
    const live = await c.request('policy.show');
    const dir = mkdtempSync(join(tmpdir(), 'clawdeck-policy-'));
    const copy = join(dir, 'policy.yaml');
    const { ask, close } = prompter();
    writeFileSync(copy, live.text, { mode: 0o600 });
    try {
      for (;;) {
        runEditor(copy);
        const text = readFileSync(copy, 'utf8');
        if (text === live.text) return void process.stdout.write('no changes\n');
        const r = loadPolicyText(text, copy);
        if (!r.ok) {
          for (const e of r.errors) process.stdout.write(formatIssue(e) + '\n');
          if (opts.yes) {
            process.exitCode = 1;
            return;
          }
          if ((await ask('The policy has errors. Edit again? [Y/n] ')) === 'n') {
            process.exitCode = 1;
            return;
          }
          continue;
        }
        printDiff(await c.request('policy.diff', { text }));
        if (!opts.yes && (await ask('Apply this policy? [y/N] ')) !== 'y') return void process.stdout.write('not applied\n');
        const res = await c.request('policy.apply', { text });
        process.stdout.write(`applied (generation ${res.generation})\n`);
        if (res.notice) process.stdout.write(`note: ${res.notice}\n`);
        return;
      }
    } finally {
      close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
};

// `clawdeck policy check|diff|apply|show|edit|preset`: the egress policy file.
export const registerPolicy = (program: Command): void => {
  const cmd = program.command('policy').description('the egress policy (OpenShell policy format, hot-reloaded)');
  cmd
    .command('check <file>')
    .description('validate a policy file (no daemon needed); prints FILE:LINE:COL: message per error, exit 1 if invalid')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: { json?: boolean }) => {
      checkLocally(file, readPolicy(file), Boolean(opts.json));
    });
  cmd
    .command('diff <file>')
    .description('what applying the file would change against the live policy (or the policy file, without a daemon), rule by rule')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) => {
      const text = readPolicy(file);
      const r = loadPolicyText(text, file);
      if (!r.ok) return void checkLocally(file, text, Boolean(opts.json));
      let d: PolicyDiff;
      try {
        d = await withDaemon('cli-policy', (c) => c.request('policy.diff', { text }));
      } catch (err) {
        // No daemon: compare with the policy file on disk instead of the live policy.
        if (!isClawdeckError(err) || err.code !== 'DAEMON_NOT_RUNNING') throw err;
        const live = resolvePaths().policyFile;
        const cur = loadPolicyText(readPolicy(live), live);
        if (!cur.ok) throw new ClawdeckError('POLICY_INVALID', `the daemon is not running and ${live} has errors`, { hint: `clawdeck policy check ${live}` });
        d = diffPolicies(cur.policy, r.policy);
        if (!opts.json) process.stderr.write(`(daemon not running: compared with ${live})\n`);
      }
      if (opts.json) printJson(d);
      else printDiff(d);
    });
  cmd
    .command('apply <file>')
    .description('validate, write atomically (previous version kept as .bak) and swap in the file')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) => {
      const text = readPolicy(file);
      const r = loadPolicyText(text, file);
      if (!r.ok) return void checkLocally(file, text, Boolean(opts.json));
      const res = await withDaemon('cli-policy', (c) => c.request('policy.apply', { text }));
      if (opts.json) return printJson(res);
      printDiff(res);
      process.stdout.write(`applied (generation ${res.generation})\n`);
      if (res.notice) process.stdout.write(`note: ${res.notice}\n`);
    });
  cmd
    .command('show')
    .description('the live policy: rules, state, errors of the last save')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const s = await withDaemon('cli-policy', (c) => c.request('policy.show'));
      if (opts.json) return printJson(s);
      const out: string[] = [
        `file: ${s.file}`,
        `state: ${s.valid ? 'valid, in force' : 'file has errors; the last good policy is in force'} (generation ${s.generation}, loaded ${s.loaded_at})`,
        `unknown hosts: ${s.unknown_hosts}`,
      ];
      for (const e of s.errors) for (const w of e.where ?? []) out.push(`error: ${w.file}:${w.line}:${w.col}: ${e.message}`);
      if (s.notice) out.push(`note: ${s.notice}`);
      out.push('');
      const rows = s.rules.map((r) => [r.id, r.host, r.ports.join(','), r.action, r.enabled ? 'on' : 'off', [r.binaries?.length && `only ${r.binaries.join(', ')}`, r.approved_by && `by ${r.approved_by}`, r.expires && `until ${r.expires}`, r.comment].filter(Boolean).join('; ') || '-']);
      out.push(rows.length ? table([['RULE', 'HOST', 'PORTS', 'ACTION', 'STATE', 'NOTE'], ...rows]) : 'no rules: every host is decided by "unknown hosts"');
      process.stdout.write(out.join('\n') + '\n');
    });
  cmd
    .command('edit')
    .description('open a copy in $EDITOR, validate, show the diff and apply on confirm')
    .option('-y, --yes', 'apply without asking (errors exit 1 instead of reopening the editor)')
    .action(edit);
  const preset = cmd.command('preset').description('bundles of rules (npm, pypi, github, ...) merged into the policy');
  preset
    .command('add <preset>')
    .description('merge a shipped preset (by name) or a preset file (a path, NemoClaw\'s preset format) into the policy file; nothing already there is dropped')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: { json?: boolean }) => {
      // A path (has a slash or a YAML extension) names the operator's own preset file, read by the daemon on this host.
      const params = name.includes('/') || /\.ya?ml$/i.test(name) ? { file: resolve(name) } : { name };
      const res = await withDaemon('cli-policy', (c) => c.request('policy.preset.add', params));
      if (opts.json) return printJson({ name, ...res });
      if (!res.added.length) return void process.stdout.write(`preset ${name}: already in the policy, nothing added\n`);
      process.stdout.write(`preset ${name}: added ${res.added.length} endpoint(s) (generation ${res.generation})\n${res.added.map((a) => `+ ${a}`).join('\n')}\n`);
    });
  preset
    .command('list')
    .description('the shipped presets')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const list = (await listPresets()).map(({ name, description }) => ({ name, description }));
      if (opts.json) return printJson(list);
      process.stdout.write(table([['NAME', 'DESCRIPTION'], ...list.map((p) => [p.name, p.description])]) + '\n');
    });
};
