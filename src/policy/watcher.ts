import { watch, type FSWatcher } from 'chokidar';

export interface FileWatcher {
  // Resolves once the watcher is ready to report changes.
  ready: Promise<void>;
  close(): Promise<void>;
}

// Watches one file (in-place writes and editor-style temp+rename saves alike) and calls onChange, debounced.
export const watchFile = (file: string, onChange: () => void, debounceMs = 15): FileWatcher => {
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  // atomic: an unlink followed by an add (rename save) is reported as one change.
  const w: FSWatcher = watch(file, { ignoreInitial: true, atomic: true, persistent: true });
  w.on('add', fire).on('change', fire);
  const ready = new Promise<void>((resolve) => w.once('ready', () => resolve()));
  return {
    ready,
    close: async () => {
      clearTimeout(timer);
      await w.close();
    },
  };
};
