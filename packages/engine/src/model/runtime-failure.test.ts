import { describe, expect, it } from 'vitest';
import { EngineError } from '../protocol/errors';
import { runtimeFailure } from './runtime-failure';

describe('runtimeFailure', () => {
  it('names a lost GPU device and a failed allocation from the runtime words', () => {
    expect(runtimeFailure(new Error('[WebGPU] Device was lost: destroyed'), 'generation').kind).toBe('device_lost');
    expect(runtimeFailure(new RangeError('Array buffer allocation failed'), 'load').kind).toBe('out_of_memory');
    expect(runtimeFailure(new Error('Aborted(Cannot enlarge memory arrays)'), 'generation').kind).toBe('out_of_memory');
  });

  it('keeps a kind already chosen, and falls back for the unnamed', () => {
    expect(runtimeFailure(new EngineError('grammar', 'out of memory in the regex'), 'generation').kind).toBe('grammar');
    const other = runtimeFailure(new TypeError('x is undefined'), 'generation');
    expect([other.kind, other.message]).toEqual(['generation', 'x is undefined']);
    expect(runtimeFailure(new DOMException('stop', 'AbortError'), 'generation').kind).toBe('aborted');
  });
});
