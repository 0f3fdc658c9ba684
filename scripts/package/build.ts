/**
 * Builds a workspace package for publishing: ESM JavaScript with esbuild (dependencies stay imports, for the
 * consumer's bundler to resolve), `.d.ts` with tsc, into the package's `dist/`. Inside the workspace the
 * packages export their TypeScript source; `publishConfig` in each package.json points the packed
 * manifest at `dist/`. Usage: `tsx scripts/package/build.ts <package dir>` (each package's `prepack`).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

interface PackageBuild {
  /** Output name (without `.js`) → source file, relative to the package. */
  entries: Record<string, string>;
  plugins?: Plugin[];
  /** A sibling package whose built `.d.ts` this one's declarations import (built first when missing). */
  needs?: string;
}

const WORKER_SOURCE_URL = "'../worker/engine-worker.ts'";
const WORKER_BUILT_URL = "'./engine-worker.js'";

/**
 * The engine client starts `new Worker(new URL('../worker/engine-worker.ts', import.meta.url))` (or a
 * `new SharedWorker` of it), which Vite resolves in this workspace; the built client sits next to
 * `engine-worker.js`. The literals stay in the `new (Shared)Worker(new URL(…))` form that Vite and webpack 5
 * recognise as a worker entry.
 */
const builtWorkerUrl: Plugin = {
  name: 'built-worker-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]client[\\/]engine-client\.ts$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      if (!source.includes(WORKER_SOURCE_URL)) throw new Error(`${path} no longer starts ${WORKER_SOURCE_URL}`);
      return { contents: source.replaceAll(WORKER_SOURCE_URL, WORKER_BUILT_URL), loader: 'ts' };
    });
  },
};

/**
 * Vite's `?url` asset imports (onnxruntime-web's runtime, xgrammar's bundle): the file is copied into
 * `dist/` and the import becomes `new URL('./<file>', import.meta.url)`, which Vite and webpack 5 follow,
 * so the consumer's build emits the file with the worker.
 */
function assetUrls(dist: string): Plugin {
  return {
    name: 'asset-urls',
    setup(b) {
      b.onResolve({ filter: /\?url$/ }, ({ path, resolveDir }) => {
        const file = createRequire(join(resolveDir, 'x.js')).resolve(path.slice(0, -'?url'.length));
        // xgrammar's bundle is lib/index.js: named after its package.
        const name = basename(file) === 'index.js' ? `${basename(dirname(dirname(file)))}.js` : basename(file);
        mkdirSync(dist, { recursive: true });
        copyFileSync(file, join(dist, name));
        return { path: name, namespace: 'asset-url' };
      });
      b.onLoad({ filter: /.*/, namespace: 'asset-url' }, ({ path }) => ({
        contents: `export default new URL(${JSON.stringify(`./${path}`)}, import.meta.url).href;`,
        loader: 'js',
      }));
    },
  };
}

const builds: Record<string, PackageBuild> = {
  engine: {
    entries: { index: 'src/index.ts', 'engine-worker': 'src/worker/engine-worker.ts', vite: 'src/vite/plugin.ts' },
    plugins: [builtWorkerUrl],
  },
  'api-shim': {
    entries: { index: 'src/index.ts', 'service-worker': 'src/transport/service-worker.ts' },
    needs: 'engine',
  },
};

await buildPackage(resolve(process.argv[2] ?? '.'));

async function buildPackage(dir: string): Promise<void> {
  const spec = builds[basename(dir)];
  if (!spec) throw new Error(`No build for ${dir}: one of ${Object.keys(builds).join(', ')}`);
  const needed = spec.needs && join(dirname(dir), spec.needs);
  if (needed && !existsSync(join(needed, 'dist/index.d.ts'))) await buildPackage(needed);
  const dist = join(dir, 'dist');
  rmSync(dist, { recursive: true, force: true });

  await build({
    absWorkingDir: dir,
    entryPoints: Object.entries(spec.entries).map(([out, source]) => ({ out, in: source })),
    outdir: dist,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    packages: 'external',
    plugins: [...(spec.plugins ?? []), assetUrls(dist)],
    logLevel: 'warning',
  });

  const require = createRequire(join(dir, 'package.json'));

  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(dir, 'tsconfig.build.json')], {
    stdio: 'inherit',
    cwd: dirname(dir),
  });
}
