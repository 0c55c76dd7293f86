import { describe, it, expect, afterEach } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderWithSnapshot, type TuiHarness } from '../../helpers/render-tui.js';
import { makeApproval, makePolicy, makeSnapshot, POLICY_TEXT } from '../../fixtures/snapshot.js';
import { waitFor } from '../../helpers/home.js';
import { ClawdeckError } from '../../../src/protocol/errors.js';

let h: TuiHarness | undefined;
let dir: string | undefined;
afterEach(() => {
  h?.unmount();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const decided = { 'approvals.decide': () => ({ released: 1 }) };
const withQueue = makeSnapshot({
  approvals: [
    makeApproval({ id: 'old', host: 'old.example.com', ageMs: 60_000 }),
    makeApproval({ id: 'new', host: 'new.example.com', ageMs: 2_000, hits: 4, risk: ['new-domain'], closest_rule: 'github/endpoints[0]' }),
  ],
  policy: makePolicy(),
});

describe('approval keys', () => {
  it('allows the selected (newest) item once with a single key, no confirm', async () => {
    h = renderWithSnapshot(withQueue, { ui: { focus: 'approvals' }, answers: decided });
    await h.waitFrame((f) => f.includes('new.example.com'), 'queue');
    h.press('a');
    await waitFor(() => h!.source.requests.length === 1, 'decide request');
    expect(h.source.requests[0]).toEqual({ method: 'approvals.decide', params: { id: 'new', decision: { action: 'allow', scope: 'once' } } });
  });

  it('moves the selection with j and denies the older item with x', async () => {
    h = renderWithSnapshot(withQueue, { ui: { focus: 'approvals' }, answers: decided });
    await h.waitFrame((f) => f.includes('old.example.com'), 'queue');
    h.press('j');
    h.press('x');
    await waitFor(() => h!.source.requests.length === 1, 'deny request');
    expect(h.source.requests[0]!.params).toEqual({ id: 'old', decision: { action: 'deny', scope: 'once' } });
  });

  it('asks before "allow always", with cancel focused; Enter on cancel sends nothing', async () => {
    h = renderWithSnapshot(withQueue, { ui: { focus: 'approvals' }, answers: decided });
    await h.waitFrame((f) => f.includes('new.example.com'), 'queue');
    h.press('A');
    const f = await h.waitFrame((f) => f.includes('allow always?'), 'confirm dialog');
    expect(f).toContain('[> cancel <]');
    h.press('enter');
    await h.waitFrame((f) => !f.includes('allow always?'), 'dialog closed');
    expect(h.source.requests).toEqual([]);
  });

  it('confirms "allow domain" with Tab then Enter and sends a wildcard always-allow', async () => {
    h = renderWithSnapshot(withQueue, { ui: { focus: 'approvals' }, answers: decided });
    await h.waitFrame((f) => f.includes('new.example.com'), 'queue');
    h.press('D');
    await h.waitFrame((f) => f.includes('*.example.com'), 'domain confirm');
    h.press('tab');
    await h.waitFrame((f) => f.includes('[> confirm <]'), 'confirm focused');
    h.press('enter');
    await waitFor(() => h!.source.requests.length === 1, 'decide');
    expect(h.source.requests[0]!.params).toEqual({ id: 'new', decision: { action: 'allow', scope: 'always', wildcard: true } });
  });

  it('sends timed and session allows and a confirmed deny-always', async () => {
    h = renderWithSnapshot(withQueue, { ui: { focus: 'approvals' }, answers: decided });
    await h.waitFrame((f) => f.includes('new.example.com'), 'queue');
    h.press('t', 's', 'X');
    await h.waitFrame((f) => f.includes('deny always?'), 'confirm');
    h.press('y');
    await waitFor(() => h!.source.requests.length === 3, 'three requests');
    expect(h.source.requests.map((r) => (r.params as { decision: unknown }).decision)).toEqual([
      { action: 'allow', scope: 'timed', ttl_ms: 600_000 },
      { action: 'allow', scope: 'session' },
      { action: 'deny', scope: 'always' },
    ]);
  });

  it('shows the failure of a decision in the message line', async () => {
    h = renderWithSnapshot(withQueue, {
      ui: { focus: 'approvals' },
      answers: { 'approvals.decide': () => { throw new ClawdeckError('APPROVAL_GONE', 'the request already timed out'); } },
    });
    await h.waitFrame((f) => f.includes('new.example.com'), 'queue');
    h.press('a');
    await h.waitFrame((f) => f.includes('the request already timed out'), 'error flash');
  });

  it('opens details with Enter and jumps to the closest rule with r', async () => {
    h = renderWithSnapshot(withQueue, { ui: { focus: 'approvals' }, size: { columns: 160, rows: 48 } });
    await h.waitFrame((f) => f.includes('new.example.com'), 'queue');
    h.press('enter');
    const d = await h.waitFrame((f) => f.includes('Approval details'), 'details');
    expect(d).toContain('closest rule');
    expect(d).toContain('github/endpoints[0]');
    h.press('escape');
    await h.waitFrame((f) => !f.includes('Approval details'), 'details closed');
    h.press('r');
    await h.waitFrame((f) => /› Policy/.test(f), 'policy focused');
  });

  it('refuses approvals in a read-only view and says so', async () => {
    h = renderWithSnapshot(withQueue, { ui: { focus: 'approvals' }, readonly: true });
    await h.waitFrame((f) => f.includes('new.example.com'), 'queue');
    h.press('a');
    await h.waitFrame((f) => f.includes('read-only view'), 'read-only flash');
    expect(h.source.requests).toEqual([]);
    expect(h.frame()).not.toContain('a allow once');
    expect(h.frame()).toContain('Enter details');
  });
});

describe('quitting and connection', () => {
  it('q quits the view without any request to the daemon', async () => {
    h = renderWithSnapshot(withQueue);
    await h.waitFrame((f) => f.length > 0, 'frame');
    h.press('q');
    await waitFor(() => h!.exited(), 'exit');
    expect(h.source.requests).toEqual([]);
  });

  it('says when the daemon is gone and keeps the last state on screen', async () => {
    h = renderWithSnapshot(withQueue, { ui: { focus: 'approvals' } });
    await h.waitFrame((f) => f.includes('daemon ok'), 'connected');
    h.source.publish({ connection: { state: 'reconnecting', attempt: 2, error: 'the daemon closed the connection', since: 0 } });
    const f = await h.waitFrame((f) => f.includes('reconnecting (try 2)'), 'reconnecting');
    expect(f).toContain('new.example.com');
  });
});

describe('chat input', () => {
  it('types into the draft (global keys included) and sends on Enter', async () => {
    h = renderWithSnapshot(makeSnapshot(), { answers: { 'chat.send': () => ({}) } });
    await h.waitFrame((f) => f.includes('press i to write'), 'chat');
    h.type('ihello q?');
    await h.waitFrame((f) => f.includes('> hello q?'), 'draft');
    h.press('ctrl+j');
    h.type('line two');
    await h.waitFrame((f) => f.includes('line two'), 'second line');
    h.press('enter');
    await waitFor(() => h!.source.requests.length === 1, 'send');
    expect(h.source.requests[0]).toEqual({ method: 'chat.send', params: { text: 'hello q?\nline two' } });
    expect(h.exited()).toBe(false);
  });

  it('Escape leaves the draft, after which q quits', async () => {
    h = renderWithSnapshot(makeSnapshot());
    await h.waitFrame((f) => f.includes('press i to write'), 'chat');
    h.type('i');
    h.type('x');
    await h.waitFrame((f) => f.includes('> x'), 'draft');
    h.press('escape');
    await h.waitFrame((f) => f.includes('press i to write'), 'left input');
    h.press('q');
    await waitFor(() => h!.exited(), 'exit');
  });
});

describe('chat runs and sessions', () => {
  it('] switches to the next session, x aborts the run, N starts a new session', async () => {
    const chat = { connected: true, session: 'a', sessions: ['a', 'b'], running: true, messages: [] };
    h = renderWithSnapshot(makeSnapshot({ chat }), { answers: { 'chat.switch': () => ({ session: 'b' }), 'chat.abort': () => ({ aborted: true }), 'chat.new': () => ({ session: 'c' }) } });
    await h.waitFrame((f) => f.includes('session a (2)') && f.includes('running'), 'chat header');
    h.press(']');
    h.press('x');
    h.press('N');
    await waitFor(() => h!.source.requests.length === 3, 'three requests');
    expect(h.source.requests).toEqual([
      { method: 'chat.switch', params: { session: 'b' } },
      { method: 'chat.abort', params: {} },
      { method: 'chat.new', params: {} },
    ]);
  });
});

describe('bell', () => {
  it('rings once when a new item starts waiting, not for items already there', async () => {
    h = renderWithSnapshot(withQueue);
    await h.waitFrame((f) => f.includes('2 pending'), 'queue');
    expect(h.stdout.writes).not.toContain('\u0007');
    h.source.publish({ snapshot: { ...withQueue, approvals: [...withQueue.approvals, makeApproval({ id: 'third', host: 'x.test' })] } });
    await waitFor(() => h!.stdout.writes.includes('\u0007'), 'bell');
    expect(h.stdout.writes.filter((w) => w === '\u0007')).toHaveLength(1);
  });

  it('stays silent with ui.bell off', async () => {
    h = renderWithSnapshot(withQueue, { bell: false });
    await h.waitFrame((f) => f.includes('2 pending'), 'queue');
    h.source.publish({ snapshot: { ...withQueue, approvals: [...withQueue.approvals, makeApproval({ id: 'third' })] } });
    await h.waitFrame((f) => f.includes('3 pending'), 'three');
    expect(h.stdout.writes).not.toContain('\u0007');
  });
});

describe('policy editing through $EDITOR', () => {
  const editor = (script: string): string => {
    dir = mkdtempSync(join(tmpdir(), 'clawdeck-editor-'));
    const f = join(dir, 'edit.sh');
    writeFileSync(f, `#!/bin/sh\n${script}\n`);
    chmodSync(f, 0o755);
    return f;
  };

  it('shows YAML errors with line:col and does not apply them', async () => {
    const ed = editor(`printf 'version: 1\\nnetwork_policies:\\n  github: [\\n' > "$1"`);
    h = renderWithSnapshot(makeSnapshot({ policy: makePolicy() }), { ui: { focus: 'policy' }, env: { EDITOR: ed }, answers: { 'policy.apply': () => ({}) } });
    await h.waitFrame((f) => f.includes('network_policies'), 'policy');
    h.press('e');
    const f = await h.waitFrame((f) => f.includes('not applied'), 'review with errors');
    expect(f).toMatch(/\b\d+:\d+ /);
    h.press('y');
    await h.waitFrame((f) => f.includes('fix the errors first'), 'refused');
    expect(h.source.requests.filter((r) => r.method === 'policy.apply')).toEqual([]);
  });

  it('shows the diff of a valid edit and applies it on y', async () => {
    const ed = editor(`sed -i 's/pypi.org/files.pythonhosted.org/' "$1"`);
    h = renderWithSnapshot(makeSnapshot({ policy: makePolicy() }), {
      ui: { focus: 'policy' },
      env: { EDITOR: ed, PATH: process.env.PATH },
      answers: { 'policy.apply': () => ({ applied: true }), 'policy.check': () => ({ valid: true, errors: [] }) },
    });
    await h.waitFrame((f) => f.includes('network_policies'), 'policy');
    h.press('e');
    const f = await h.waitFrame((f) => f.includes('apply these changes?'), 'diff');
    expect(f).toContain('-      - host: pypi.org');
    expect(f).toContain('+      - host: files.pythonhosted.org');
    h.press('y');
    await waitFor(() => h!.source.requests.some((r) => r.method === 'policy.apply'), 'apply');
    const apply = h.source.requests.find((r) => r.method === 'policy.apply')!;
    expect(apply.params).toEqual({ text: POLICY_TEXT.replace('pypi.org', 'files.pythonhosted.org') });
  });

  it('reports schema errors from policy.check with their position', async () => {
    const ed = editor(`echo '  extra: 1' >> "$1"`);
    h = renderWithSnapshot(makeSnapshot({ policy: makePolicy() }), {
      ui: { focus: 'policy' },
      env: { EDITOR: ed },
      answers: { 'policy.check': () => ({ valid: false, errors: [{ code: 'POLICY_UNKNOWN_KEY', message: 'unknown key "extra"', where: [{ file: 'p', line: 15, col: 3 }] }] }) },
    });
    await h.waitFrame((f) => f.includes('network_policies'), 'policy');
    h.press('e');
    await h.waitFrame((f) => f.includes('15:3') && f.includes('unknown key "extra"'), 'schema error');
  });
});
