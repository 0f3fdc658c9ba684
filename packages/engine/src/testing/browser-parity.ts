/**
 * Vitest setup (vite.config.ts): unit tests run in Node, the engine in browsers. Node 20 has no
 * ArrayBuffer.prototype.transfer, which every browser the engine targets has (and Node 21+), and which the
 * engine uses to give a replaced KV cache's memory back at once (decode/forward.ts). Detaching the buffer
 * by structuredClone stands in for it, so the tests run the engine's code paths as a browser would.
 */
const prototype = ArrayBuffer.prototype as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
prototype.transfer ??= function (this: ArrayBuffer) {
  structuredClone(this, { transfer: [this] });
  return new ArrayBuffer(0);
};
