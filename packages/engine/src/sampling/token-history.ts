/**
 * Token counts of one sequence (prompt + generated), kept up to date one token at a time so
 * that the penalties cost O(distinct tokens) per step instead of a pass over the whole sequence.
 */
export class TokenHistory {
  /** Occurrences of each id in prompt + generated tokens. */
  private readonly counts: Uint32Array;
  /** Whether each id has been generated (presence penalty looks at generated tokens only). */
  private readonly generatedSeen: Uint8Array;
  private readonly distinct: number[] = [];
  private readonly distinctGenerated: number[] = [];
  private length = 0;

  constructor(vocabSize: number, promptIds: ArrayLike<number>) {
    this.counts = new Uint32Array(vocabSize);
    this.generatedSeen = new Uint8Array(vocabSize);
    for (let i = 0; i < promptIds.length; i++) this.count(promptIds[i]);
  }

  /** Record a generated token. */
  add(id: number): void {
    this.count(id);
    if (this.generatedSeen[id] === 0) {
      this.generatedSeen[id] = 1;
      this.distinctGenerated.push(id);
    }
  }

  /** Number of tokens so far, prompt included. */
  get total(): number {
    return this.length;
  }

  /** Distinct ids of prompt + generated tokens, in order of first appearance. */
  get distinctIds(): readonly number[] {
    return this.distinct;
  }

  /** Distinct ids among the generated tokens, in order of first appearance. */
  get distinctGeneratedIds(): readonly number[] {
    return this.distinctGenerated;
  }

  countOf(id: number): number {
    return this.counts[id];
  }

  private count(id: number): void {
    // An id outside the logits would silently index nothing in a typed array; fail loudly instead.
    if (!Number.isInteger(id) || id < 0 || id >= this.counts.length) {
      throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.counts.length})`);
    }
    if (this.counts[id] === 0) this.distinct.push(id);
    this.counts[id]++;
    this.length++;
  }
}
