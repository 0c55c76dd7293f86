// yoga-layout's loader `fetch`es its inlined wasm (a data: URL) when `fetch` exists, which loads Node's
// whole fetch stack (undici): ~100 ms and ~7 MB RSS for nothing. Without `fetch` it decodes the same
// bytes itself. The console makes no HTTP requests, and `fetch` is back as soon as Ink has loaded.
export const withoutFetch = async <T>(load: () => Promise<T>): Promise<T> => {
  const desc = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!desc?.configurable) return load();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', desc);
  }
};
