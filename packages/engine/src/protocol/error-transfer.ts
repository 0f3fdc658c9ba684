import * as Comlink from 'comlink';
import { fromWire, toWire, type WireError } from './errors';

let registered = false;

/**
 * comlink's own `throw` handler sends a rejection's name, message and stack, and rebuilds a plain
 * Error: the kind would be lost. This one sends the whole WireError (anything thrown becomes an
 * EngineError first) and rebuilds the EngineError, stack included. Both sides of the worker
 * boundary register it.
 */
export function registerErrorTransfer(): void {
  const builtIn = Comlink.transferHandlers.get('throw');
  if (registered || !builtIn) return;
  registered = true;
  const handler: Comlink.TransferHandler<{ value: unknown }, WireError> = {
    // comlink marks thrown values with a private symbol: only its own test recognises them.
    canHandle: builtIn.canHandle as (value: unknown) => value is { value: unknown },
    serialize: ({ value }) => [toWire(value), []],
    deserialize: (wire) => {
      throw fromWire(wire);
    },
  };
  Comlink.transferHandlers.set('throw', handler);
}
