import { EngineError } from '@inpage/engine';
import { describe, expect, it } from 'vitest';
import { explain, explainWarning } from './errors';

describe('explain', () => {
  it('chooses the advice by the engine’s kind and keeps the message as the detail', () => {
    expect(explain(new EngineError('network', 'Could not download "x": Failed to fetch'))).toEqual({
      title: 'The download failed',
      advice: 'Check the network connection and try again. A model you loaded before runs offline from the cache.',
      detail: 'Could not download "x": Failed to fetch',
    });
    expect(explain(new EngineError('model_not_found', 'Not enough storage')).title).toBe('No model transformers.js can load at that address');
  });

  it('never reads the words: an untyped error is unexplained, whatever it says', () => {
    expect(explain(new Error('Failed to fetch')).title).toBe('Something went wrong');
    expect(explain('QuotaExceededError').title).toBe('Something went wrong');
  });

  it('explains load warnings by their kind', () => {
    expect(explainWarning({ kind: 'storage_full', message: 'Not enough storage to cache model.onnx' })).toMatchObject({
      title: 'Not enough storage',
      detail: 'Not enough storage to cache model.onnx',
    });
  });
});
