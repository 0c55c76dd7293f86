import { readFile } from 'node:fs/promises';
import type { FilePolicyEngine } from './engine.js';
import { watchFile, type FileWatcher } from './watcher.js';

// Hot reload: every save of the engine's file is read and offered to the engine (which validates,
// swaps or keeps the last good policy, and skips text it wrote itself). `onText` sees every read.
export const startHotReload = (engine: FilePolicyEngine, onText?: (text: string) => void): FileWatcher =>
  watchFile(engine.file, () => {
    void readFile(engine.file, 'utf8')
      .then((text) => {
        onText?.(text);
        engine.reloadText(text);
      })
      .catch(() => undefined); // mid-rename: the next event reads it
  });
