/**
 * `best_of` > 1 (TGI's infer/mod.rs `generate_best_of`): of n sampled runs, the one with the highest
 * mean token logprob wins (the first of equals); the others go to `details.best_of_sequences`.
 * Validation already applied TGI's rules 0, 1 and 10 (a limit, sampling on, no seed).
 */
import type { Sequence } from './run';

export function pickBestOf<S extends Sequence>(runs: readonly S[]): { best: S; others: S[] } {
  let bestIndex = 0;
  let bestMean = -Infinity;
  runs.forEach((run, i) => {
    const mean = run.tokens.reduce((sum, t) => sum + t.logprob, 0) / run.tokens.length;
    if (mean > bestMean) {
      bestMean = mean;
      bestIndex = i;
    }
  });
  return { best: runs[bestIndex], others: runs.filter((_, i) => i !== bestIndex) };
}
