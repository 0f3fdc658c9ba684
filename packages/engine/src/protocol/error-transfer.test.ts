import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { registerErrorTransfer } from './error-transfer';
import { EngineError, fromWire, toWire } from './errors';

/** Both ends of a real comlink link over a MessageChannel, as between the page and the worker. */
function link<T extends object>(served: T): Comlink.Remote<T> {
  const { port1, port2 } = new MessageChannel();
  Comlink.expose(served, port1);
  ports.push(port1, port2);
  return Comlink.wrap<T>(port2);
}
const ports: MessagePort[] = [];
afterEach(() => ports.splice(0).forEach((port) => port.close()));

registerErrorTransfer();

describe('errors across comlink', () => {
  it('arrive as EngineErrors with their kind, message and the thrower’s stack', async () => {
    const remote = link({
      compileGrammar(): string {
        throw new EngineError('grammar', 'Regex parsing error at position 3');
      },
    });
    const error = await remote.compileGrammar().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ kind: 'grammar', name: 'EngineError', message: 'Regex parsing error at position 3' });
    expect((error as Error).stack).toContain('compileGrammar');
  });

  it('give anything else thrown a kind: an abort stays an abort, the rest is internal', async () => {
    const remote = link({
      abort() {
        throw new DOMException('stopped', 'AbortError');
      },
      bug() {
        throw new TypeError('x is undefined');
      },
      text() {
        throw 'plain words';
      },
    });
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: EngineError) => [e.kind, e.name, e.message],
      );
    expect(await Promise.all([settle(remote.abort()), settle(remote.bug()), settle(remote.text())])).toEqual([
      ['aborted', 'AbortError', 'stopped'],
      ['internal', 'EngineError', 'x is undefined'],
      ['internal', 'EngineError', 'plain words'],
    ]);
  });

  it('leave results alone', async () => {
    const remote = link({ add: (a: number, b: number) => a + b });
    expect(await remote.add(2, 3)).toBe(5);
  });
});

describe('the wire form', () => {
  it('is plain data that rebuilds the same error', () => {
    const original = new EngineError('storage_full', 'Not enough storage');
    const wire = toWire(original);
    expect(structuredClone(wire)).toEqual({
      kind: 'storage_full',
      message: 'Not enough storage',
      stack: original.stack,
    });
    const rebuilt = fromWire(structuredClone(wire));
    expect([rebuilt.kind, rebuilt.message, rebuilt.stack]).toEqual([
      'storage_full',
      'Not enough storage',
      original.stack,
    ]);
  });

  it('names an unnamed failure with the fallback the caller gives', () => {
    expect(toWire(new Error('boom'), 'generation').kind).toBe('generation');
  });
});
