import { describe, expect, it } from 'vitest';
import { StopMatcher } from './stop-matcher';

describe('StopMatcher', () => {
  it('finds a stop string split over three tokens', () => {
    const matcher = new StopMatcher(['<|end|>']);
    expect(['Hi <', '|e', 'nd', '|>'].map((text) => matcher.push(text))).toEqual([null, null, null, '<|end|>']);
  });

  it('matches only when the output ENDS with the stop string', () => {
    const matcher = new StopMatcher(['ab']);
    expect(matcher.push('xabx')).toBeNull();
    expect(matcher.push('a')).toBeNull();
    expect(matcher.push('b')).toBe('ab');
  });

  it('does not match "abc" followed by a newline (unlike TGI\'s Python `$`)', () => {
    expect(new StopMatcher(['abc']).push('abc\n')).toBeNull();
  });

  it('returns the first matching stop string in the order given', () => {
    expect(new StopMatcher(['c', 'bc']).push('abc')).toBe('c');
    expect(new StopMatcher(['bc', 'c']).push('abc')).toBe('bc');
  });

  it('keeps matching across empty pieces (incomplete characters) and long outputs', () => {
    const matcher = new StopMatcher(['日本', 'zz']);
    for (let i = 0; i < 1000; i++) expect(matcher.push('text ')).toBeNull();
    expect(matcher.push('日')).toBeNull();
    expect(matcher.push('')).toBeNull();
    expect(matcher.push('本')).toBe('日本');
  });

  it('matches a stop string of emoji (surrogate pairs)', () => {
    const matcher = new StopMatcher(['😀😀']);
    expect(['a😀', '', '😀'].map((text) => matcher.push(text))).toEqual([null, null, '😀😀']);
  });

  it('ignores empty stop strings', () => {
    expect(new StopMatcher(['']).push('anything')).toBeNull();
    expect(new StopMatcher(['', 'y']).push('xy')).toBe('y');
  });
});
