import { describe, it, expect, afterEach } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { show } from '../../helpers/show-pane.js';
import { StatusBar } from '../../../components/layout/status-bar.js';
import { makeSnapshot } from '../../fixtures/snapshot.js';
import type { LiveView } from '../../../src/daemon/live-snapshot.js';
import type { Status } from '../../../src/protocol/status.js';

afterEach(() => cleanup());

const live = (sandbox: Partial<Status['sandbox']>): LiveView => {
  const s = makeSnapshot();
  return {
    snapshot: { ...s, status: { ...s.status, sandbox: { ...s.status.sandbox, ...sandbox } } },
    connection: { state: 'connected', attempt: 1, error: null, since: 0 },
  };
};

describe('status bar', () => {
  it('shows the image build progress while the sandbox is building', () => {
    const f = show(<StatusBar live={live({ state: 'building', detail: 'building: step 7/19, context 54.2 MB, 42s — RUN npm install' })} width={200} meterInStatus={false} />);
    expect(f).toContain('sandbox building: step 7/19, context 54.2 MB, 42s — RUN npm install');
  });

  it('shows what the start is doing while the sandbox is starting', () => {
    const f = show(<StatusBar live={live({ state: 'starting', detail: 'starting container' })} width={160} meterInStatus={false} />);
    expect(f).toContain('sandbox starting: starting container');
  });

  it('keeps a running sandbox short (its detail lives in clawdeck status)', () => {
    const f = show(<StatusBar live={live({ state: 'running', detail: 'gateway ready 17.7s after container start' })} width={160} meterInStatus={false} />);
    expect(f).toContain('sandbox running');
    expect(f).not.toContain('gateway ready');
  });
});
