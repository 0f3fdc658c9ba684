import { createReadStream, existsSync, statSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { basename, extname, join, normalize, resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';

/**
 * Serves the models the project builds (`models/` at the repo root) under `/models/` on the
 * dev and preview servers, with Content-Length (transformers.js reports progress from it),
 * and copies the built-in model into the build so a static host serves it too. The large
 * benchmark model is served but never copied into the build.
 */
export function serveModels(options: { dir: string; builtIn: string[] }): Plugin {
  const dir = resolve(options.dir);
  let outDir = '';
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/models/')) return next();
    const file = normalize(join(dir, decodeURIComponent(url.pathname.slice('/models/'.length))));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      return res.end();
    }
    const size = statSync(file).size;
    res.setHeader('Content-Type', contentTypes[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Accept-Ranges', 'bytes');
    // transformers.js asks for `bytes=0-0` to learn a file's size without downloading it.
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (range) {
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    }
    res.setHeader('Content-Length', Math.max(0, end - start + 1));
    if (req.method === 'HEAD') return res.end();
    createReadStream(file, { start, end }).pipe(res);
  };
  return {
    name: 'inpage:serve-models',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
    async writeBundle() {
      for (const name of options.builtIn) {
        // Dotfiles are the generator's build stamps, not model files.
        await cp(join(dir, name), join(outDir, 'models', name), {
          recursive: true,
          filter: (path) => !basename(path).startsWith('.'),
        });
      }
    },
  };
}

const contentTypes: Record<string, string> = {
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.md': 'text/markdown',
};
