// Preloaded in every Node process of the sandbox (NODE_OPTIONS --import, src/sandbox/container.ts): resolves
// OpenClaw's relative imports without the file-system round trips of node's default resolver.
// The gateway and each of its workers load a few thousand of OpenClaw's modules at every start; the default
// resolver stats and realpaths each one. The image is read-only, so one directory listing per directory answers
// "is it a regular file" for good, which cut ~1 CPU-s and ~0.9 s from a gateway start. Only `./` and `../`
// specifiers from a module under OpenClaw's root that name a regular .mjs/.js/.cjs file are answered (the URL
// node would produce: a regular file needs no realpath); everything else (packages, other extensions, missing
// files, directories, symlinks, the agent's own programs) goes to node's resolver, so errors stay node's.
import { registerHooks } from 'node:module';
import { readdirSync } from 'node:fs';

const ROOT = process.env.CLAWDECK_FAST_RESOLVE_ROOT ?? 'file:///opt/node/lib/node_modules/openclaw/';
const CODE = /\.(mjs|js|cjs)$/;
const listings = new Map();

const listing = (dir) => {
  let names = listings.get(dir);
  if (!names) {
    try {
      // Regular files only: a directory or a symlink (which node would realpath) goes to node's resolver.
      names = new Set(readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name));
    } catch {
      names = new Set();
    }
    listings.set(dir, names);
  }
  return names;
};

registerHooks({
  resolve(specifier, context, nextResolve) {
    if ((specifier.startsWith('./') || specifier.startsWith('../')) && context.parentURL?.startsWith(ROOT)) {
      const url = new URL(specifier, context.parentURL);
      const path = decodeURIComponent(url.pathname);
      const slash = path.lastIndexOf('/');
      if (!url.search && !url.hash && CODE.test(path) && listing(path.slice(0, slash)).has(path.slice(slash + 1))) {
        const format = path.endsWith('.mjs') ? 'module' : path.endsWith('.cjs') ? 'commonjs' : undefined;
        return { url: url.href, format, shortCircuit: true };
      }
    }
    return nextResolve(specifier, context);
  },
});
