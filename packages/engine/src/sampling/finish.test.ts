import { describe, expect, it } from 'vitest';
import { StoppingCriteria } from './finish';

describe('StoppingCriteria', () => {
  const eos = 2;

  it('length beats EOS beats a stop sequence', () => {
    const last = new StoppingCriteria({ maxNewTokens: 1, eosTokenIds: [eos], stop: ['x'] });
    expect(last.check(eos, 'x')).toBe('length');
    const roomy = () => new StoppingCriteria({ maxNewTokens: 5, eosTokenIds: [eos], stop: ['x'] });
    expect(roomy().check(eos, 'x')).toBe('eos_token');
    expect(roomy().check(7, 'x')).toBe('stop_sequence');
    expect(roomy().check(7, 'y')).toBeNull();
  });

  it('counts every generated token, EOS included, towards the length', () => {
    const criteria = new StoppingCriteria({ maxNewTokens: 3, eosTokenIds: [eos], ignoreEos: true });
    expect([criteria.check(eos, ''), criteria.check(5, 'a'), criteria.check(eos, '')]).toEqual([null, null, 'length']);
  });

  it('knows several EOS ids, and ignores them all with ignoreEos', () => {
    const criteria = new StoppingCriteria({ maxNewTokens: 9, eosTokenIds: [2, 7] });
    expect(criteria.check(7, '')).toBe('eos_token');
    const ignoring = new StoppingCriteria({ maxNewTokens: 9, eosTokenIds: [2, 7], ignoreEos: true, stop: ['</s>'] });
    expect(ignoring.check(7, '')).toBeNull();
    expect(ignoring.check(2, '</s>')).toBe('stop_sequence');
  });

  it('matches a stop string spread over tokens', () => {
    const criteria = new StoppingCriteria({ maxNewTokens: 9, eosTokenIds: [], stop: ['END'] });
    expect(['E', 'N', 'D'].map((text, i) => criteria.check(10 + i, text))).toEqual([null, null, 'stop_sequence']);
  });
});
