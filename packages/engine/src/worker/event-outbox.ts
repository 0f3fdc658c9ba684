import type { WireBatch, WireEvent } from '../protocol/worker-api';

/**
 * The worker's side of the events port: events are collected and posted together once the
 * current synchronous run ends (a microtask). The scheduler reports every row of a decode step in
 * one synchronous loop, so a step's tokens, whatever the batch size, cost one postMessage, and
 * the page one message task, instead of one per row.
 */
export class EventOutbox {
  private port: MessagePort | null = null;
  private batch: WireBatch = [];

  connect(port: MessagePort): void {
    this.port = port;
  }

  post(id: number, event: WireEvent): void {
    if (this.batch.length === 0) queueMicrotask(this.flush);
    this.batch.push([id, event]);
  }

  private readonly flush = (): void => {
    const batch = this.batch;
    this.batch = [];
    this.port?.postMessage(batch);
  };
}
