import { EngineError, type EngineErrorKind } from '@inpage/engine';
import { describe, expect, it } from 'vitest';
import { FakeEngine, post } from '../../test/fake-engine';
import { createHandler } from '../handler';
import { engineErrorKind, engineFailure } from './errors';

const answer = (error: unknown, untyped?: Parameters<typeof engineFailure>[1]) => {
  const e = engineFailure(error, untyped);
  return [e.status, e.toJSON()];
};

describe('engine failures, by kind', () => {
  it('a refused grammar is the request’s fault (422), a template failure a template error', () => {
    expect(answer(new EngineError('grammar', 'Regex parsing error at position 3'))).toEqual([
      422,
      {
        error: 'Input validation error: grammar is not valid: Regex parsing error at position 3',
        error_type: 'validation',
      },
    ]);
    expect(answer(new EngineError('template', 'Conversation roles must alternate'))).toEqual([
      422,
      { error: 'Template error: Conversation roles must alternate', error_type: 'template_error' },
    ]);
  });

  it('every other kind failed during generation (424)', () => {
    const kinds: EngineErrorKind[] = [
      'device_lost',
      'out_of_memory',
      'not_loaded',
      'network',
      'storage_full',
      'terminated',
      'internal',
    ];
    for (const kind of kinds) {
      expect(answer(new EngineError(kind, 'why'))).toEqual([
        424,
        { error: 'Request failed during generation: why', error_type: 'generation' },
      ]);
    }
  });

  it('reads the kind of plain data too (the shim imports no engine code), and only a known kind', () => {
    expect(engineErrorKind({ kind: 'grammar', message: 'x' })).toBe('grammar');
    expect(engineErrorKind({ kind: 'not-a-kind' })).toBeNull();
    expect(engineErrorKind(new Error('grammar'))).toBeNull();
    expect(answer(new Error('no kind'), 'template')).toEqual([
      422,
      { error: 'Template error: no kind', error_type: 'template_error' },
    ]);
  });

  it('an engine’s grammar kind reaches the client as TGI’s 422', async () => {
    const engine = new FakeEngine({
      failAfter: { tokens: 0, kind: 'grammar', message: 'Invalid range: minimum greater than maximum' },
    });
    const res = await createHandler({ engine })(post('/generate', { inputs: 'x' }));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: 'Input validation error: grammar is not valid: Invalid range: minimum greater than maximum',
      error_type: 'validation',
    });
  });
});
