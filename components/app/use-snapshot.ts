import { useSyncExternalStore } from 'react';
import type { LiveView, SnapshotSource } from '../../src/daemon/live-snapshot.js';

// Subscribes once to the client store; re-renders only when it publishes a new view.
export const useSnapshot = (source: SnapshotSource): LiveView =>
  useSyncExternalStore(source.subscribe, source.getView, source.getView);
