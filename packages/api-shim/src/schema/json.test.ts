import { describe, expect, test } from 'vitest';
import { parseJson } from './json';

function error(text: string): string {
  const r = parseJson(text);
  if (r.ok) throw new Error('expected a syntax error');
  return r.message;
}

describe('JSON syntax errors in serde_json words', () => {
  test.each([
    ['', 'EOF while parsing a value at line 1 column 0'],
    ['   ', 'EOF while parsing a value at line 1 column 3'],
    ['{', 'EOF while parsing an object at line 1 column 1'],
    ['[1', 'EOF while parsing a list at line 1 column 2'],
    ['{"a', 'EOF while parsing a string at line 1 column 3'],
    ['{"a":}', 'a: expected value at line 1 column 6'],
    ['{"a":1,}', 'trailing comma at line 1 column 8'],
    ['[1,]', 'trailing comma at line 1 column 4'],
    ['{} x', 'trailing characters at line 1 column 4'],
    ['{a:1}', 'key must be a string at line 1 column 2'],
    ['{"a" 1}', 'expected `:` at line 1 column 6'],
    ['{"a":1 "b":2}', 'expected `,` or `}` at line 1 column 8'],
    ['[1 2]', 'expected `,` or `]` at line 1 column 4'],
    ['{"inputs": tru}', 'inputs: expected ident at line 1 column 15'],
    ['{"inputs": nul', 'inputs: EOF while parsing a value at line 1 column 14'],
    ['{"a": 01}', 'a: invalid number at line 1 column 8'],
    ['{"a": -}', 'a: invalid number at line 1 column 8'],
    ['{"a": "\\x"}', 'a: invalid escape at line 1 column 9'],
    ['{"a": "b\nc"}', 'a: control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0'],
    ['{"p": {"q": [1, {"r": ?}]}}', 'p.q[1].r: expected value at line 1 column 23'],
    ['{\n  "a": 1,\n  "b": x\n}', 'b: expected value at line 3 column 8'],
    // Columns count UTF-8 bytes, as serde_json does.
    ['{"é": x}', 'é: expected value at line 1 column 8'],
  ])('%j', (text, expected) => {
    expect(error(text)).toBe(expected);
  });

  test('valid JSON parses', () => {
    expect(parseJson('{"a": [1, "x", null]}')).toEqual({ ok: true, value: { a: [1, 'x', null] } });
  });
});
