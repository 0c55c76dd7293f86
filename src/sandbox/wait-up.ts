import type { DaemonClient } from '../daemon/client.js';
import type { Status } from '../protocol/status.js';
import { ClawdeckError } from '../protocol/errors.js';

// `clawdeck up` waits until the sandbox is running and probed (or failed), printing each new progress line.
export const waitSandboxUp = async (
  client: DaemonClient,
  onLine: (line: string) => void,
  timeoutMs = 15 * 60_000,
): Promise<Status> => {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const st = await client.request('status');
    const line = `sandbox ${st.sandbox.state}${st.sandbox.detail ? `: ${st.sandbox.detail}` : ''}`;
    // Elapsed seconds tick every second: a new line only when the step or state changes.
    const key = line.replace(/, \d+s —/, ' —');
    if (key !== last) onLine(line);
    last = key;
    if (st.sandbox.state === 'failed') {
      throw new ClawdeckError('SANDBOX_FAILED', st.sandbox.detail ?? 'the sandbox failed to start', { hint: 'clawdeck logs; clawdeck doctor' });
    }
    if (st.sandbox.state === 'disabled' || (st.sandbox.state === 'running' && st.enforcement.length > 0)) return st;
    if (Date.now() > deadline) throw new ClawdeckError('SANDBOX_NOT_READY', 'the sandbox did not become ready in time', { hint: 'clawdeck status' });
    // A status request is cheap for the daemon; 100 ms keeps "healthy" from waiting on the poll.
    await new Promise((r) => setTimeout(r, 100));
  }
};
