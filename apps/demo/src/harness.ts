import { createEngine } from '@inpage/engine';

/** What scripts and tests reach through `window.inpage` on harness.html. */
const inpage = { createEngine, ready: true };

declare global {
  interface Window {
    inpage: typeof inpage;
  }
}
window.inpage = inpage;
