import { afterEach, describe, expect, it } from 'vitest';
import type { FromWorker, ToWorker } from '../protocol/liveness';
import { type WorkerFailure, watchWorker } from './worker-watch';

/** The worker's side of the channel, played by the test: it answers pings until told to go quiet. */
function fakeWorker(name: string) {
  const channel = new BroadcastChannel(name);
  let answering = true;
  let answered = 0;
  channel.onmessage = ({ data }: MessageEvent<ToWorker>) => {
    if (!answering || data.type !== 'ping') return;
    channel.postMessage({ type: 'pong', seq: data.seq } satisfies FromWorker);
    answered++;
  };
  // Its first word starts the heartbeat (a real worker says 'alive', which also takes its life lock).
  channel.postMessage({ type: 'pong', seq: 0 } satisfies FromWorker);
  return {
    channel,
    /** Resolves once the watch has heard from it (the silence is counted from its first word). */
    async heard() {
      while (answered < 2) await sleep(5);
    },
    /** Fall silent, as a worker blocked in a forward pass (or stuck) does; announce the pass first if given. */
    goQuiet(pass?: number) {
      if (pass !== undefined) channel.postMessage({ type: 'pass', positions: pass } satisfies FromWorker);
      answering = false;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const opened: BroadcastChannel[] = [];
afterEach(() => opened.splice(0).forEach((c) => c.close()));

function watched() {
  const failures: { failure: WorkerFailure; at: number }[] = [];
  const watch = watchWorker({
    heartbeatMs: 10,
    heartbeatTimeoutMs: 150,
    quietAllowed: () => false,
    onFailure: (failure) => failures.push({ failure, at: performance.now() }),
  });
  const worker = fakeWorker(watch.workerName);
  opened.push(worker.channel);
  return { watch, worker, failures };
}

describe('worker watch: heartbeats', () => {
  it('a worker that stops answering is found unresponsive after the timeout', async () => {
    const { worker, failures } = watched();
    await worker.heard();
    expect(failures).toEqual([]);
    worker.goQuiet();
    await sleep(400);
    expect(failures.map((f) => f.failure.kind)).toEqual(['unresponsive']);
  });

  it('an announced long pass extends the silence allowed by its positions, and no further', async () => {
    const { worker, failures } = watched();
    await worker.heard();
    const quietFrom = performance.now();
    // One position: 1 s more than the 150 ms timeout.
    worker.goQuiet(1);
    await sleep(600);
    expect(failures).toEqual([]);
    await sleep(1_000);
    expect(failures.map((f) => f.failure.kind)).toEqual(['unresponsive']);
    expect(failures[0].at - quietFrom).toBeGreaterThan(1_100);
  });
});
