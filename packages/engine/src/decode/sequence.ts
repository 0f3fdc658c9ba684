import { createGrammarConstraint, type GrammarConstraint } from '../grammar/constraint';
import type { FinishReason, GenerateEvent, GeneratedToken, GenerateRequest, PrefillToken } from '../protocol/types';
import { StoppingCriteria } from '../sampling/finish';
import { logprobOf, softmaxStats } from '../sampling/logprobs';
import { createTokenChooser, type TokenChoice, type TokenChooser } from '../sampling/next-token';
import { IncrementalDecoder } from '../tokenizer/incremental-decoder';
import { rawDecoder } from '../tokenizer/raw-decoder';
import { generatedText } from '../tokenizer/text';
import type { ForwardPass } from './forward';
import type { ServingModel } from './prefix-cache';

/**
 * One request's generation state, owned by the scheduler: its sampling (seeded RNG, penalties,
 * watermark), grammar, stop matcher, detokenizer and reporting. It never runs the model itself:
 * the scheduler hands it the logits row of its last position after each prefill or batch step,
 * so its tokens depend on that row alone, never on its batch neighbours.
 */
export class Sequence {
  readonly prompt: readonly number[];
  /** Prompt tokens whose keys and values came from the prefix cache. */
  cachedTokens = 0;
  /** The ids whose keys and values the model holds for this sequence, in order. */
  readonly kvTokens: number[] = [];
  /** While prefilling: the pass that holds this sequence's cache until it joins the batch. */
  pass: ForwardPass | null = null;
  /** The token chosen last, which the next decode step feeds in. */
  lastToken = -1;
  readonly generated: number[] = [];
  queueMs = 0;
  private prefillStart = 0;
  private prefillMs = 0;
  private decodeStart = 0;
  private readonly decodeRaw: (ids: number[]) => string;
  private readonly stopping: StoppingCriteria;
  private readonly detokenizer: IncrementalDecoder;
  private readonly topN: number;
  private chooser: TokenChooser | null = null;
  private constraint: GrammarConstraint | null = null;
  private allowed: Promise<Int32Array | undefined> | null = null;
  private prefill: PrefillToken[] | undefined;
  private chosen: (TokenChoice & { finishReason: FinishReason | null }) | null = null;
  /** The finish event has been emitted (the scheduler may still hold the sequence for a step). */
  done = false;

  constructor(
    readonly loaded: ServingModel,
    readonly request: GenerateRequest,
    private readonly emit: (event: GenerateEvent) => void,
    readonly signal: AbortSignal,
  ) {
    this.prompt = request.inputIds;
    this.decodeRaw = rawDecoder(loaded.tokenizer);
    if (this.prompt.length === 0) throw new Error('The prompt has no tokens.');
    this.detokenizer = new IncrementalDecoder(this.decodeRaw, this.prompt);
    this.stopping = new StoppingCriteria({
      maxNewTokens: request.maxNewTokens,
      eosTokenIds: [...loaded.eosIds],
      ignoreEos: request.ignoreEos,
      stop: request.stop,
    });
    this.topN = request.topNTokens ?? 0;
  }

  /** Compiles the grammar: a bad one fails this request before any forward pass. */
  async prepare(): Promise<void> {
    const { request, loaded } = this;
    if (request.grammar) {
      this.constraint = await createGrammarConstraint({ ...loaded, vocabSize: loaded.info.vocabSize }, request.grammar);
    }
  }

  /** Prompt ids still to prefill. */
  get pending(): readonly number[] {
    return this.prompt.slice(this.kvTokens.length);
  }

  /** Whether every prompt position's logits are wanted (then no prefix is reused). */
  get wantsPrefillLogits(): boolean {
    return this.request.prefillLogprobs === true;
  }

  startPrefill(now: number): void {
    this.prefillStart ||= now;
  }

  /** After the last prefill chunk: the prompt logprobs (when asked) from that chunk's rows. */
  prefillDone(logits: Float32Array, vocab: number, now: number): void {
    this.prefillMs = now - this.prefillStart;
    this.decodeStart = now;
    if (this.wantsPrefillLogits) this.prefill = prefillTokens(this.prompt, logits, vocab, this.decodeRaw);
    this.chooser = createTokenChooser(this.request.sampling, vocab, this.prompt, {
      watermark: this.request.watermark,
      logprobs: this.request.logprobs !== false,
    });
  }

  /** Choose, then report: whether the generation is over. */
  async step(row: Float32Array): Promise<boolean> {
    await this.choose(row);
    return this.report();
  }

  /** Starts computing this step's grammar mask (it can run while the forward pass does). */
  startMask(): void {
    this.allowed = this.constraint ? this.constraint.allowed() : null;
  }

  /**
   * Choose the next token from this sequence's logits row (consumed) and say whether it ends the
   * generation by itself (EOS or length). The scheduler can then start the next forward pass
   * before `report` detokenizes and emits it.
   */
  async choose(row: Float32Array): Promise<boolean> {
    const allowed = (await this.allowed) ?? undefined;
    this.allowed = null;
    const chooser = this.chooser!;
    const choice = chooser.next(row, this.topN, allowed);
    chooser.accept(choice.id);
    this.constraint?.accept(choice.id);
    this.generated.push(choice.id);
    this.lastToken = choice.id;
    this.chosen = { ...choice, finishReason: this.stopping.checkToken(choice.id) };
    return this.chosen.finishReason !== null;
  }

  /** Emit the token `choose` picked; say whether the generation is over (the finish event is then emitted too). */
  report(): boolean {
    const choice = this.chosen!;
    this.chosen = null;
    const text = this.detokenizer.push(choice.id);
    const finishReason = choice.finishReason ?? this.stopping.checkText(text);
    this.emit({
      type: 'token',
      index: this.generated.length,
      token: this.tokenOf(choice.id, choice.logprob, text),
      last: finishReason !== null,
      ...(this.topN > 0 && { topTokens: choice.top.map((t) => this.tokenOf(t.id, t.logprob)) }),
    });
    this.done = finishReason !== null;
    if (!finishReason) return false;
    const chooser = this.chooser!;
    this.emit({
      type: 'finish',
      finishReason,
      generatedText: generatedText(this.loaded.tokenizer, this.prompt, this.generated),
      generatedTokens: this.generated.length,
      seed: chooser.seed,
      inputLength: this.prompt.length,
      cachedTokens: this.cachedTokens,
      ...(this.prefill && { prefill: this.prefill }),
      timings: {
        queueMs: this.queueMs,
        prefillMs: this.prefillMs,
        decodeMs: performance.now() - this.decodeStart,
      },
    });
    return true;
  }

  dispose(): void {
    this.constraint?.dispose();
    this.constraint = null;
  }

  private tokenOf(id: number, logprob: number, text = this.decodeRaw([id])): GeneratedToken {
    return { id, text, logprob, special: this.loaded.specialIds.has(id) };
  }
}

/** The prompt's tokens with the logprob the model gave each one (the first has no context: null). */
function prefillTokens(
  prompt: readonly number[],
  logits: Float32Array,
  vocab: number,
  decode: (ids: number[]) => string,
): PrefillToken[] {
  const rows = logits.length / vocab;
  return prompt.map((id, i) => {
    // Row i−1 predicts token i; exports that return only the last row give no prefill logprobs.
    const row = rows === prompt.length && i > 0 ? logits.subarray((i - 1) * vocab, i * vocab) : null;
    return { id, text: decode([id]), logprob: row ? logprobOf(row, softmaxStats(row), id) : null };
  });
}
