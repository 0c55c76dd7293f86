import { describe, it, expect, afterEach } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { show, paneTheme as theme } from '../../helpers/show-pane.js';
import { ApprovalsPane } from '../../../components/panes/approvals/approvals-pane.js';
import { selectPendingApprovals } from '../../../components/panes/approvals/selectors.js';
import { approvalDetails } from '../../../components/panes/approvals/approval-lines.js';
import { makeApproval, makeSnapshot } from '../../fixtures/snapshot.js';

afterEach(() => cleanup());

describe('approvals pane', () => {
  it('lists newest first with wait time, hits and risk', () => {
    const items = selectPendingApprovals(
      makeSnapshot({
        approvals: [
          makeApproval({ id: 'o', host: 'old.test', ageMs: 125_000 }),
          makeApproval({ id: 'n', host: '10.0.0.8', port: 8443, ageMs: 3_000, hits: 5, risk: ['ip-literal', 'unusual-port'] }),
        ],
      }),
    );
    const f = show(<ApprovalsPane items={items} selectedId="n" inflight={{}} readonly={false} now={Date.now()} focused width={70} height={8} />);
    const rows = f.split('\n');
    const iNew = rows.findIndex((r) => r.includes('10.0.0.8:8443'));
    const iOld = rows.findIndex((r) => r.includes('old.test:443'));
    expect(iNew).toBeGreaterThan(0);
    expect(iNew).toBeLessThan(iOld);
    expect(rows[iNew]).toMatch(/3s 10\.0\.0\.8:8443 x5 +! IP literal, odd port/);
    expect(rows[iOld]).toContain('2m05s');
    expect(f).toContain('2 waiting');
  });

  it('shows a request held inside an inspected HTTPS tunnel with its method and path', () => {
    const items = [makeApproval({ id: 'h', scheme: 'https', host: 'api.new.test', method: 'PUT', path: '/files/a?<redacted>', body_bytes: 11 })];
    const f = show(<ApprovalsPane items={items} selectedId="h" inflight={{}} readonly={false} now={Date.now()} focused width={90} height={6} />);
    expect(f).toContain('PUT api.new.test:443/files/a?<redacted>');
    const details = approvalDetails(items[0]!, Date.now(), theme).map((l) => l.map((s) => s.text).join(''));
    expect(details).toContainEqual(expect.stringMatching(/^body +11 bytes$/));
  });

  it('shows the attributed binary in the details when the proxy looked it up', () => {
    const details = (b?: string) => approvalDetails(makeApproval({ id: 'b', ...(b ? { binary: b } : {}) }), Date.now(), theme).map((l) => l.map((s) => s.text).join(''));
    expect(details('/usr/bin/curl')).toContainEqual(expect.stringMatching(/^binary +\/usr\/bin\/curl$/));
    expect(details().some((l) => l.startsWith('binary'))).toBe(false);
  });

  it('shows exec requests and an item being decided', () => {
    const items = [makeApproval({ id: 'e', kind: 'exec', host: null, port: null, command: 'rm -rf build' })];
    const f = show(<ApprovalsPane items={items} selectedId="e" inflight={{ 'decide:e': 'deciding' }} readonly now={Date.now()} focused width={70} height={6} />);
    expect(f).toContain('exec rm -rf build');
    expect(f).toContain('deciding...');
    expect(f).toContain('read-only');
  });
});
