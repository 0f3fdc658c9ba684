import { describe, expect, it } from 'vitest';
import { resolveSource } from './source';

describe('resolveSource', () => {
  it('keeps a hub id as it is', () => {
    expect(resolveSource('onnx-community/Qwen2.5-0.5B-Instruct')).toEqual({
      id: 'onnx-community/Qwen2.5-0.5B-Instruct',
      remote: null,
    });
  });

  it('splits a folder URL into host+path and folder name', () => {
    expect(resolveSource('http://localhost:5173/models/inpage-tiny/')).toEqual({
      id: 'inpage-tiny',
      remote: { host: 'http://localhost:5173/models/', pathTemplate: '{model}/' },
    });
  });

  it('resolves a path against the page', () => {
    expect(resolveSource('/models/inpage-tiny', 'http://127.0.0.1:4173/index.html')).toEqual({
      id: 'inpage-tiny',
      remote: { host: 'http://127.0.0.1:4173/models/', pathTemplate: '{model}/' },
    });
  });

  it('rejects an empty source and a bare origin', () => {
    expect(() => resolveSource('  ')).toThrow(/No model given/);
    expect(() => resolveSource('http://localhost:5173/')).toThrow(/not a model folder URL/);
  });
});
