import { describe, it, expect, afterEach } from 'vitest';
import { renderWithSnapshot, type TuiHarness } from '../../helpers/render-tui.js';
import { makeApproval, makePolicy, makeSnapshot } from '../../fixtures/snapshot.js';
import { waitFor } from '../../helpers/home.js';
import { footerLine } from '../../../components/layout/footer.js';
import { initialUi } from '../../../components/app/ui-state.js';
import { createTheme } from '../../../components/theme/theme.js';
import { keyUnavailable, pathPrefixOf } from '../../../components/panes/approvals/selectors.js';

let h: TuiHarness | undefined;
afterEach(() => h?.unmount());

const decided = { 'approvals.decide': () => ({ released: 1 }) };
const exec = makeApproval({ id: 'e1', kind: 'exec', host: null, port: null, ip: null, command: 'rm -rf /tmp/x', cwd: '/work' });
const inspected = makeApproval({ id: 'h1', host: 'old.example.com', port: 443, scheme: 'https', method: 'GET', path: '/v1/chat/completions?<redacted>' });
const plain = makeApproval({ id: 'p1', host: 'plain.example.com', port: 80, scheme: 'http', method: 'GET', path: '/v1/x' });
const tunnel = makeApproval({ id: 't1', host: 'api.github.com', port: 443, scheme: 'connect' });

describe('approval keys that do not apply to the selected item', () => {
  it('greys session/timed/domain/path/deny-always in the footer for an exec request, path for tunnels (not plain HTTP)', () => {
    const theme = createTheme({ TERM: 'xterm-256color' }, {});
    const ui = { ...initialUi(), focus: 'approvals' as const };
    const dimmed = (item: typeof exec) =>
      footerLine(ui, theme, item)
        .filter((s, i) => i % 2 === 0 && s.dim)
        .map((s) => s.text);
    expect(dimmed(exec)).toEqual(['s', 't', 'D', 'P', 'X']);
    expect(dimmed(inspected)).toEqual([]);
    expect(dimmed(plain)).toEqual([]);
    expect(dimmed(tunnel)).toEqual(['P']);
  });

  it('says why instead of asking the daemon when such a key is pressed on an exec request; allow once still works', async () => {
    h = renderWithSnapshot(makeSnapshot({ approvals: [exec], policy: makePolicy() }), { size: { columns: 160, rows: 48 }, ui: { focus: 'approvals' }, answers: decided });
    await h.waitFrame((f) => f.includes('exec rm -rf'), 'queue');
    for (const k of ['s', 't', 'D', 'P', 'X']) h.press(k);
    await h.waitFrame((f) => f.includes('can only be denied once'), 'reason for deny always');
    expect(h.source.requests).toEqual([]);
    h.press('a');
    await waitFor(() => h!.source.requests.length === 1, 'allow once');
    expect(h.source.requests[0]!.params).toEqual({ id: 'e1', decision: { action: 'allow', scope: 'once' } });
  });

  it('has no path grant for a tunnelled (CONNECT) request (the daemon grants those by host:port)', async () => {
    h = renderWithSnapshot(makeSnapshot({ approvals: [tunnel], policy: makePolicy() }), { size: { columns: 160, rows: 48 }, ui: { focus: 'approvals' }, answers: decided });
    await h.waitFrame((f) => f.includes('api.github.com'), 'queue');
    h.press('P');
    await h.waitFrame((f) => f.includes('opaque tunnel') && !f.includes('deciding'), 'tunnel reason');
    expect(h.source.requests).toEqual([]);
  });
});

describe('path-prefix grant (P) on a request held inside inspected TLS', () => {
  it('confirms the prefix (the request path directory) and sends a session allow scoped to it', async () => {
    h = renderWithSnapshot(makeSnapshot({ approvals: [inspected], policy: makePolicy() }), { size: { columns: 160, rows: 48 }, ui: { focus: 'approvals' }, answers: decided });
    await h.waitFrame((f) => f.includes('old.example.com'), 'queue');
    h.press('P');
    const f = await h.waitFrame((f) => f.includes('allow the path prefix for this session?'), 'confirm');
    expect(f).toContain('old.example.com:443/v1/chat/** (any method)');
    expect(f).toContain('[> cancel <]');
    expect(f).toContain('until the daemon restarts');
    h.press('y');
    await waitFor(() => h!.source.requests.length === 1, 'decide');
    expect(h.source.requests[0]!.params).toEqual({ id: 'h1', decision: { action: 'allow', scope: 'session', path_prefix: '/v1/chat/' } });
  });

  it('offers the same path grant for a plain HTTP request', async () => {
    h = renderWithSnapshot(makeSnapshot({ approvals: [plain], policy: makePolicy() }), { size: { columns: 160, rows: 48 }, ui: { focus: 'approvals' }, answers: decided });
    await h.waitFrame((f) => f.includes('plain.example.com'), 'queue');
    h.press('P');
    const f = await h.waitFrame((f) => f.includes('allow the path prefix for this session?'), 'confirm');
    expect(f).toContain('plain.example.com:80/v1/** (any method)');
    h.press('y');
    await waitFor(() => h!.source.requests.length === 1, 'decide');
    expect(h.source.requests[0]!.params).toEqual({ id: 'p1', decision: { action: 'allow', scope: 'session', path_prefix: '/v1/' } });
  });

  it('derives prefixes from paths', () => {
    expect(pathPrefixOf('/v1/chat/completions?<redacted>')).toBe('/v1/chat/');
    expect(pathPrefixOf('/index.html')).toBe('/');
    expect(pathPrefixOf('/')).toBe('/');
    expect(pathPrefixOf('/a/b/')).toBe('/a/b/');
    expect(keyUnavailable('approval.allowOnce', exec)).toBeNull();
    expect(keyUnavailable('approval.allowPath', undefined)).toBeNull();
  });
});
