import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { ALPHABET } from '../support/demo';
import { serveStatic } from './serve';

const workspace = resolve(fileURLToPath(import.meta.url), '../../..');
const template = join(workspace, 'e2e/packed/app');
const readJson = (path: string) => JSON.parse(readFileSync(join(workspace, path), 'utf8'));
const pnpm = `${readJson('package.json').packageManager}`;
const openai = readJson('apps/demo/package.json').dependencies.openai as string;

/** Each bundler's app: what it installs besides the packages, how it builds, where the site lands. */
const bundlers = {
  vite: {
    devDependencies: { vite: '8.3.8', typescript: '5.9.3' },
    // The .d.ts and exports maps are checked too (types.ts), then the app is built.
    build: ['sh', '-c', 'node_modules/.bin/tsc -p . && node_modules/.bin/vite build'],
    html: false,
  },
  webpack: { devDependencies: { webpack: '5.112.2', 'webpack-cli': '7.3.1' }, build: ['node_modules/.bin/webpack'], html: true },
} as const;

/** One command of the app's setup; bounded, so a stalled install or build fails in words within the test's time. */
function run(command: string, args: readonly string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 180_000 });
  const why = result.error ? String(result.error) : `exit ${result.status}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (${why}):\n${result.stdout}\n${result.stderr}`);
}

test.describe.configure({ mode: 'serial' });

// A folder outside the workspace, so nothing resolves from the workspace's node_modules.
let root: string;
let tarballs: Record<string, string>;

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'inpage-packed-'));
  tarballs = {};
  for (const name of ['engine', 'api-shim']) {
    run('npx', ['-y', pnpm, 'pack', '--pack-destination', root], join(workspace, 'packages', name));
    tarballs[`@inpage/${name}`] = `file:${join(root, `inpage-${name}-${readJson(`packages/${name}/package.json`).version}.tgz`)}`;
  }
});

test.afterAll(() => rmSync(root, { recursive: true, force: true }));

for (const [bundler, app] of Object.entries(bundlers)) {
  test(`a ${bundler} app installs the packed packages and streams a chat through the openai SDK`, async ({ page }) => {
    const dir = join(root, bundler);
    cpSync(join(template, bundler), dir, { recursive: true });
    cpSync(join(template, 'main.js'), join(dir, 'main.js'));
    const manifest = {
      name: `inpage-${bundler}-app`,
      private: true,
      type: 'module',
      dependencies: { ...tarballs, openai },
      devDependencies: app.devDependencies,
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    // Install scripts off: onnxruntime-node (a transformers.js dependency, unused in a browser) would download.
    await test.step('npm install', () => run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error'], dir));
    await test.step(`${bundler} build`, () => run(app.build[0], app.build.slice(1), dir));
    const site = join(dir, 'dist');
    if (app.html) cpSync(join(dir, 'index.html'), join(site, 'index.html'));
    cpSync(join(workspace, 'models/inpage-tiny'), join(site, 'models/inpage-tiny'), { recursive: true });

    const server = await serveStatic(site);
    try {
      // Everything the page loads comes from the app itself: the worker, onnxruntime's runtime, the model.
      const foreign: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(server.url) && !request.url().startsWith('blob:')) foreign.push(request.url());
      });
      await page.goto(server.url);
      await page.waitForFunction(() => 'packedApp' in window);
      const reply = await test.step('chat', () =>
        page.evaluate(() => (window as unknown as { packedApp: { chat(text: string): Promise<unknown> } }).packedApp.chat('Hello')));
      expect(reply).toEqual({ text: ALPHABET, chunks: expect.any(Number), device: 'wasm', crossOriginIsolated: true });
      expect((reply as { chunks: number }).chunks).toBeGreaterThan(ALPHABET.length);
      expect(foreign).toEqual([]);
    } finally {
      await server.close();
    }
  });
}
