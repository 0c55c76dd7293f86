import { describe, it, expect, afterEach } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { show } from '../../helpers/show-pane.js';
import { StatusBar } from '../../../components/layout/status-bar.js';
import { makeSnapshot } from '../../fixtures/snapshot.js';
import type { LiveView } from '../../../src/daemon/live-snapshot.js';
import type { Status } from '../../../src/protocol/status.js';

afterEach(() => cleanup());

const LAYERS = ['landlock', 'seccomp', 'capabilities', 'no_new_privs', 'read_only_root', 'direct_egress', 'proxy', 'inference', 'provider_key'];

const live = (sandbox: Partial<Status['sandbox']>, enforcement: Status['enforcement'] = []): LiveView => {
  const s = makeSnapshot();
  return {
    snapshot: { ...s, status: { ...s.status, enforcement, sandbox: { ...s.status.sandbox, ...sandbox } } },
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

  it('collapses the layer badges on a narrow terminal so the meter and model stay on the line, naming failed layers', () => {
    const all = LAYERS.map((layer) => ({ layer, state: 'proven' as const, detail: '' }));
    const wide = show(<StatusBar live={live({ state: 'running' }, all)} width={200} meterInStatus />);
    expect(wide).toContain('landlock+');
    expect(wide).toContain('provider_key+');
    const narrow = show(<StatusBar live={live({ state: 'running' }, all)} width={80} meterInStatus />);
    expect(narrow).toContain('proven 9/9');
    expect(narrow).not.toContain('landlock+');
    expect(narrow).toMatch(/0 in 0 out 0 t\/s \$0\.00/);
    expect(narrow.split('\n')[0]!.length).toBeLessThanOrEqual(80);
    const broken = all.map((e) => (e.layer === 'seccomp' ? { ...e, state: 'failed' as const } : e));
    expect(show(<StatusBar live={live({ state: 'running' }, broken)} width={80} meterInStatus />)).toContain('proven 8/9 !seccomp');
  });

  it('ends a model name that does not fit with an ellipsis, and drops it when hardly any room is left', () => {
    const model = 'nvidia/nemotron-3-super-120b-a12b';
    const v = live({ state: 'disabled' });
    const s = v.snapshot!;
    const withModel: LiveView = { ...v, snapshot: { ...s, status: { ...s.status, inference: { ...s.status.inference, default_provider: model, providers: [] } } } };
    const line = (width: number): string => show(<StatusBar live={withModel} width={width} meterInStatus />).split('\n')[0]!.trimEnd();
    const full = line(300);
    expect(full.endsWith(` │ ${model}`)).toBe(true);
    // The narrow form (no brand) is what gets cut: it is the wide line minus "clawdeck ".
    const narrow = full.length - 'clawdeck '.length;
    const cut = line(narrow - 5);
    expect(cut).toHaveLength(narrow - 5);
    expect(cut.endsWith(` │ ${model.slice(0, model.length - 6)}…`)).toBe(true);
    const tiny = line(narrow - model.length + 3);
    expect(tiny).not.toContain('nvid');
    expect(tiny.endsWith('│')).toBe(false);
    expect(tiny.length).toBeLessThanOrEqual(narrow - model.length + 3);
  });
});
