import { describe, expect, it } from 'vitest';
import { IncrementalDecoder } from './incremental-decoder';

/**
 * A byte-level vocabulary like GPT-2's: ids 0–255 are single bytes; a few more ids are merges of
 * several bytes (one of them ends in the middle of "é"). Decoding concatenates the bytes and reads
 * them as UTF-8, with U+FFFD for incomplete or invalid sequences, like the ByteLevel decoder.
 */
const MERGES: Record<number, number[]> = {
  256: [0x61, 0xc3], // "a" + first byte of "é"
  257: [0x97, 0xa5], // last two bytes of "日"
  258: [0x20, 0x77, 0x6f], // " wo"
};
const utf8 = new TextDecoder();
const bytesOf = (id: number) => MERGES[id] ?? [id];

function byteLevel(calls: number[][] = []) {
  return (ids: number[]) => {
    calls.push([...ids]);
    return utf8.decode(Uint8Array.from(ids.flatMap(bytesOf)));
  };
}

const tokensOf = (text: string) => Array.from(new TextEncoder().encode(text));

describe('IncrementalDecoder: byte-level BPE', () => {
  it('holds back partial characters and emits each one whole: é (2 bytes), 日 (3), 😀 (4)', () => {
    const decoder = new IncrementalDecoder(byteLevel());
    const ids = tokensOf('aé日😀b');
    expect(ids.length).toBe(11);
    expect(ids.map((id) => decoder.push(id))).toEqual(['a', '', 'é', '', '', '日', '', '', '', '😀', 'b']);
  });

  it('handles tokens that hold part of a character next to whole ones', () => {
    const decoder = new IncrementalDecoder(byteLevel());
    // [a, é₁] [é₂] [日₁] [日₂ 日₃] [␠wo]
    expect([256, 0xa9, 0xe6, 257, 258].map((id) => decoder.push(id))).toEqual(['', 'aé', '', '日', ' wo']);
  });

  it('emits an invalid byte in the middle of the text as U+FFFD once more text follows', () => {
    const decoder = new IncrementalDecoder(byteLevel());
    expect([0xff, 0x61].map((id) => decoder.push(id))).toEqual(['', '\uFFFDa']);
  });

  it('uses the end of the prompt as context, without emitting it', () => {
    const decoder = new IncrementalDecoder(byteLevel(), [...tokensOf('xyz'), 0xe6]);
    // The prompt ends with a lone lead byte of "日": it stays the prompt's (U+FFFD in both the
    // window's text and the prefix's), and only the new text comes out.
    expect([0x41, 0x42].map((id) => decoder.push(id))).toEqual(['A', 'B']);
  });

  it('decodes only a small window, however long the output', () => {
    const calls: number[][] = [];
    const decoder = new IncrementalDecoder(byteLevel(calls), tokensOf('a long prompt'));
    const text = 'héllo 日本 😀 '.repeat(100);
    let out = '';
    for (const id of tokensOf(text)) out += decoder.push(id);
    expect(out).toBe(text);
    // Window: the 5 prompt ids of context + the first token; then previous emission + pending bytes.
    expect(Math.max(...calls.map((ids) => ids.length))).toBeLessThanOrEqual(8);
  });
});

describe('IncrementalDecoder: sentencepiece (Metaspace)', () => {
  // "▁" marks a space; like the Metaspace decoder, the first piece of a decoded sequence loses it.
  const pieces = ['<s>', '▁Hello', '▁world', '!', '▁', 'again'];
  const sentencepiece = (ids: number[]) =>
    ids
      .map((id) => pieces[id])
      .join('')
      .replace(/▁/g, ' ')
      .replace(/^ /, '');

  it('keeps the leading space of tokens, the first generated one included', () => {
    const decoder = new IncrementalDecoder(sentencepiece, [0, 1]);
    expect([2, 3, 4, 5].map((id) => decoder.push(id))).toEqual([' world', '!', ' ', 'again']);
  });

  it('decoding a token alone would lose it (why the window exists)', () => {
    expect(sentencepiece([2])).toBe('world');
  });
});
