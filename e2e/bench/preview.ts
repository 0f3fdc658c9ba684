/** The built app on `vite preview` for a benchmark script: started, waited for, and stopped when the script exits. */
import { spawn } from 'node:child_process';

export async function startPreview(port: number, page = '/harness.html'): Promise<void> {
  const server = spawn('node_modules/.bin/vite', ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    stdio: 'ignore',
  });
  process.on('exit', () => {
    if (server.exitCode === null) server.kill();
  });
  const url = `http://127.0.0.1:${port}${page}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the preview server did not start on ${url}`);
}

/** Run a benchmark's main, report its failure, and exit (a browser left open by a failure would keep the process alive). */
export function runBench(main: () => Promise<void>): void {
  main()
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => process.exit());
}
