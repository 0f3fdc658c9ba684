import { describe, expect, it } from 'vitest';
import { pieceBytes, tokenSpans } from './byte-offsets';

describe('pieceBytes', () => {
  it('reads GPT-2 byte-level pieces', () => {
    expect([...pieceBytes('Ġhello', 'byte-level')]).toEqual([0x20, ...Buffer.from('hello')]);
    // "é" is C3 A9; byte-level spells them "Ã" and "©".
    expect([...pieceBytes('Ã©', 'byte-level')]).toEqual([0xc3, 0xa9]);
    expect([...pieceBytes('Ċ', 'byte-level')]).toEqual([0x0a]);
  });

  it('reads SentencePiece pieces and byte fallback', () => {
    expect([...pieceBytes('▁hi', 'metaspace')]).toEqual([0x20, 0x68, 0x69]);
    expect([...pieceBytes('<0xE6>', 'metaspace')]).toEqual([0xe6]);
  });
});

describe('tokenSpans', () => {
  it('gives byte offsets, an empty span to an inserted BOS, and each byte token of a character the whole character', () => {
    const spans = tokenSpans(
      'hé!',
      [
        { id: 1, piece: '<s>', added: true },
        { id: 104, piece: 'h', added: false },
        { id: 195, piece: 'Ã', added: false },
        { id: 169, piece: '©', added: false },
        { id: 33, piece: '!', added: false },
      ],
      'byte-level',
    );
    expect(spans).toEqual([
      { id: 1, text: '', start: 0, stop: 0 },
      { id: 104, text: 'h', start: 0, stop: 1 },
      { id: 195, text: 'é', start: 1, stop: 3 },
      { id: 169, text: 'é', start: 1, stop: 3 },
      { id: 33, text: '!', start: 3, stop: 4 },
    ]);
  });

  it('spans an added token written in the text', () => {
    const spans = tokenSpans(
      '<|user|>\nhi',
      [
        { id: 5, piece: '<|user|>', added: true },
        { id: 10, piece: 'Ċ', added: false },
        { id: 300, piece: 'hi', added: false },
      ],
      'byte-level',
    );
    expect(spans.map((s) => [s.start, s.stop, s.text])).toEqual([
      [0, 8, '<|user|>'],
      [8, 9, '\n'],
      [9, 11, 'hi'],
    ]);
  });

  it("aligns SentencePiece's own leading space to the character it precedes", () => {
    const spans = tokenSpans(
      'hi you',
      [
        { id: 1, piece: '▁hi', added: false },
        { id: 2, piece: '▁you', added: false },
      ],
      'metaspace',
      'prepend',
    );
    expect(spans.map((s) => [s.start, s.stop, s.text])).toEqual([
      [0, 2, 'hi'],
      [2, 6, ' you'],
    ]);
    // Its "▁" and the input's first space in one token, then a token of its own for the prefix.
    const twoSpaces = tokenSpans(
      '  two 日',
      ['▁▁', '▁two', '▁', '日'].map((piece, id) => ({ id, piece, added: false })),
      'metaspace',
      'prepend',
    );
    expect(twoSpaces.map((s) => [s.start, s.stop, s.text])).toEqual([
      [0, 1, ' '],
      [1, 5, ' two'],
      [5, 6, ' '],
      [6, 9, '日'],
    ]);
    const ownToken = tokenSpans(
      '日',
      ['▁', '日'].map((piece, id) => ({ id, piece, added: false })),
      'metaspace',
      'first',
    );
    expect(ownToken.map((s) => [s.start, s.stop, s.text])).toEqual([
      [0, 3, '日'],
      [0, 3, '日'],
    ]);
  });
});
