import type { ShimContext } from '../context';
import type { TokenSpan } from '../engine';
import { ApiError, errorMessage } from '../errors/errors';

/** The engine's tokenizer; its failures are validation errors, as in TGI (`tokenizer error …`). */
export async function tokenize(ctx: ShimContext, text: string, addSpecialTokens: boolean): Promise<TokenSpan[]> {
  try {
    return await ctx.engine.tokenize(text, { addSpecialTokens });
  } catch (error) {
    throw new ApiError('validation', `tokenizer error ${errorMessage(error)}`);
  }
}
