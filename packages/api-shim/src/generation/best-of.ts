/**
 * The seam for `best_of` > 1 (TGI: n sampled runs with random seeds; the highest mean token logprob
 * wins; the others go to `details.best_of_sequences`). Validation already applies TGI's rules 0, 1 and
 * 10 to it; until it is implemented, a request that passes them is refused here rather than quietly
 * answered with one sequence.
 */
import { ApiError } from '../errors/errors';
import type { ValidGenerateRequest } from '../validation/validate';

export function requireBestOfSupport(request: ValidGenerateRequest): void {
  if (request.bestOf > 1) throw new ApiError('validation', '`best_of` > 1 is not supported yet');
}
