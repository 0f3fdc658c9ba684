import { createEngine } from '@inpage/engine';
import { answerServiceWorker, createHandler, hostEngineOnce, installShim, startInpage } from '@inpage/api-shim';
import { InferenceClient } from '@huggingface/inference';
import OpenAI from 'openai';

/**
 * What scripts and tests reach through `window.inpage` on harness.html: the packages, and the
 * two real clients (unmodified) so tests drive the shim exactly as a user's code would.
 */
const inpage = {
  createEngine,
  createHandler,
  installShim,
  startInpage,
  answerServiceWorker,
  hostEngineOnce,
  OpenAI,
  InferenceClient,
  ready: true,
};

declare global {
  interface Window {
    inpage: typeof inpage;
  }
}
window.inpage = inpage;
