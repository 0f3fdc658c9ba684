/**
 * A macrotask boundary: awaiting the model alone may never leave the microtask queue, and the
 * worker's messages (a new request, a cancel) only arrive between macrotasks. A message to oneself
 * is far cheaper than setTimeout's clamped delay; one channel serves every step.
 */
export function yieldToEventLoop(): Promise<void> {
  wakeChannel ??= openWakeChannel();
  return new Promise((resolve) => {
    wakeups.push(resolve);
    wakeChannel!.port2.postMessage(null);
  });
}

let wakeChannel: MessageChannel | null = null;
const wakeups: (() => void)[] = [];

function openWakeChannel(): MessageChannel {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => wakeups.shift()?.();
  // In Node (unit tests) an open port would keep the process alive.
  (channel.port1 as { unref?: () => void }).unref?.();
  return channel;
}

export function abortError(): DOMException {
  return new DOMException('The generation was aborted.', 'AbortError');
}
