import type { PreTrainedModel } from '@huggingface/transformers';
import { ForwardPass } from './forward';

/**
 * The last generation's forward pass, kept so the next prompt skips the prefix they share: in a
 * multi-turn chat each request repeats the whole conversation, and only the new turn needs a
 * prefill. One per loaded model; the queue runs one generation at a time, so one pass suffices.
 */
export class PromptCache {
  private kept: ForwardPass | null = null;

  constructor(private readonly model: PreTrainedModel) {}

  /**
   * A forward pass holding the longest prefix of `prompt` it can offer (at most all but the
   * prompt's last token, whose logits the caller needs), or an empty one. `reuse: false` (e.g.
   * when every prompt position's logits are wanted) always gives an empty one.
   */
  async take(prompt: readonly number[], reuse = true): Promise<ForwardPass> {
    const pass = this.kept;
    this.kept = null;
    if (pass && reuse) {
      const shared = Math.min(sharedPrefix(pass.tokens, prompt), prompt.length - 1);
      if (shared > 0 && (await pass.rewind(shared))) return pass;
    }
    await pass?.dispose();
    return new ForwardPass(this.model);
  }

  /** Keep a pass whose state is sound (it finished or was aborted between steps). */
  async keep(pass: ForwardPass): Promise<void> {
    if (this.kept !== pass) await this.kept?.dispose();
    this.kept = pass;
  }

  async clear(): Promise<void> {
    await this.kept?.dispose();
    this.kept = null;
  }
}

function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
