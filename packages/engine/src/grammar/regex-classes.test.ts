import { describe, expect, it } from 'vitest';
import { rewriteNonAsciiClasses, rewriteSchemaPatterns } from './regex-classes';

describe('rewriteNonAsciiClasses', () => {
  it('leaves ASCII classes, escapes and everything outside classes as written', () => {
    for (const pattern of ['[a-z]{4}-7[0-9]{2}', '[\\]\\-a]+', '\\[é\\]', 'é+|😀', '[\\d\\s_]', '[^"\\\\]*']) {
      expect(rewriteNonAsciiClasses(pattern)).toBe(pattern);
    }
  });

  it('spells a class with non-ASCII members as an alternation of its characters', () => {
    expect(rewriteNonAsciiClasses('[é-ë]{2}')).toBe('(?:é|ê|ë){2}');
    expect(rewriteNonAsciiClasses('x[a-cß😀]y')).toBe('x(?:[a-c]|ß|😀)y');
    expect(rewriteNonAsciiClasses('[\\u00e9\\x41-\\x42]')).toBe('(?:[\\x41-\\x42]|é)');
    // A range across the ASCII boundary keeps its ASCII part as a class.
    expect(rewriteNonAsciiClasses('[~-\\u0081]')).toBe('(?:[~-\\x7f]|\u0080|\u0081)');
  });

  it('refuses what it cannot spell: a negated non-ASCII class, or a too large one', () => {
    expect(() => rewriteNonAsciiClasses('[^é]')).toThrow(/excludes non-ASCII characters/);
    expect(() => rewriteNonAsciiClasses('[一-龥]')).toThrow(/more than 1024 non-ASCII characters/);
  });
});

describe('rewriteSchemaPatterns', () => {
  it('rewrites pattern keywords at any depth, not data', () => {
    const schema = {
      type: 'object',
      properties: {
        word: { type: 'string', pattern: '^[à-â]+$' },
        list: { type: 'array', items: { type: 'string', pattern: '[ü]' } },
        fixed: { const: { pattern: '[é]' } },
      },
    };
    expect(rewriteSchemaPatterns(schema)).toEqual({
      type: 'object',
      properties: {
        word: { type: 'string', pattern: '^(?:à|á|â)+$' },
        list: { type: 'array', items: { type: 'string', pattern: '(?:ü)' } },
        fixed: { const: { pattern: '[é]' } },
      },
    });
  });
});
