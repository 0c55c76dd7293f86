import { useCallback } from 'react';
import type { SnapshotSource } from '../../src/daemon/live-snapshot.js';
import type { MethodName } from '../../src/protocol/methods.js';
import { isClawdeckError } from '../../src/protocol/errors.js';
import type { UiAction } from './ui-state.js';

// One line for an error in the message row: message, hint, first location.
export const errorText = (e: unknown): string => {
  if (!isClawdeckError(e)) return e instanceof Error ? e.message : String(e);
  const where = e.where?.[0] ? ` (${e.where[0].line}:${e.where[0].col})` : '';
  const msg = e.code === 'UNKNOWN_METHOD' || e.code === 'UNAVAILABLE' ? `${e.message}: this daemon does not offer it yet` : e.message;
  return `${msg}${where}${e.hint ? ` - ${e.hint}` : ''}`;
};

// Sends a request as a tracked "in flight" entry; the view changes only when the next snapshot arrives.
export const useCall = (source: SnapshotSource, dispatch: (a: UiAction) => void) =>
  useCallback(
    async (key: string, label: string, method: string, params?: unknown): Promise<unknown> => {
      dispatch({ type: 'request-start', key, label });
      try {
        const r = await source.request(method as MethodName, params as never);
        dispatch({ type: 'request-end', key, flash: { level: 'info', text: `${label}: done` } });
        return r;
      } catch (e) {
        dispatch({ type: 'request-end', key, flash: { level: 'error', text: `${label} failed: ${errorText(e)}` } });
        return undefined;
      }
    },
    [source, dispatch],
  );
