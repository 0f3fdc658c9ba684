/**
 * The handler's options, their TGI defaults, and the per-handler state every route shares.
 */
import pkg from '../package.json';
import type { Engine, ModelInfo } from './engine';
import type { ApiError } from './errors/errors';
import { createPermits, type Permits } from './permits';
import { createTgiMetrics, type TgiMetrics } from './metrics/tgi';
import type { Limits } from './validation/validate';

export interface HandlerOptions {
  engine: Engine;
  /** When set, generation routes require `Authorization: Bearer <apiKey>` (compared case-insensitively). */
  apiKey?: string;
  /** Generations in flight before new ones get 429 (TGI: 128). */
  maxConcurrentRequests?: number;
  /** TGI: 2. */
  maxBestOf?: number;
  /** TGI: 4. */
  maxStopSequences?: number;
  /** TGI: 5. */
  maxTopNTokens?: number;
  /** Prompts per `/v1/completions` request (TGI: 4). */
  maxClientBatchSize?: number;
  /** Default: maxTotalTokens − 1. */
  maxInputTokens?: number;
  /** Default: the model's context length (`maxPositionEmbeddings`). */
  maxTotalTokens?: number;
  /** The served model's name in `/info`, `/v1/models` and responses. Default: the engine's model id. */
  modelId?: string;
  /** Reported in `/info` and `system_fingerprint` (`{version}-native`). Default: this package's version. */
  version?: string;
  /** Path prefix the routes live under, e.g. `/api` (installShim sets it from its base URL). Default: none. */
  basePath?: string;
  /** Largest accepted request body in bytes (TGI's `--payload-limit`: 2,000,000). */
  payloadLimit?: number;
}

/** The options with their defaults applied. */
export interface ServerConfig {
  apiKey: string | undefined;
  maxConcurrentRequests: number;
  maxBestOf: number;
  maxStopSequences: number;
  maxTopNTokens: number;
  maxClientBatchSize: number;
  /** Unset: derived from the model (see `limitsFor`). */
  maxInputTokens: number | undefined;
  maxTotalTokens: number | undefined;
  /** Unset: the engine's model id. */
  modelId: string | undefined;
  version: string;
  /** '' or '/prefix' without a trailing slash. */
  basePath: string;
  payloadLimit: number;
}

export interface ShimContext {
  engine: Engine;
  config: ServerConfig;
  permits: Permits;
  metrics: TgiMetrics;
  /** Milliseconds, monotonic. */
  now(): number;
  /**
   * Count an error in `tgi_request_failure` (by its row in the error table) and return it, so that
   * the place that raises an error is the one place that counts it: `throw ctx.fail(new ApiError(…))`.
   */
  fail(error: ApiError): ApiError;
}

export function resolveConfig(options: HandlerOptions): ServerConfig {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !basePath.startsWith('/')) throw new TypeError(`basePath must start with "/": ${basePath}`);
  const { maxInputTokens, maxTotalTokens } = options;
  if (maxInputTokens !== undefined && maxTotalTokens !== undefined && maxInputTokens >= maxTotalTokens) {
    throw new RangeError(`maxInputTokens (${maxInputTokens}) must be less than maxTotalTokens (${maxTotalTokens})`);
  }
  return {
    apiKey: options.apiKey,
    maxConcurrentRequests: options.maxConcurrentRequests ?? 128,
    maxBestOf: options.maxBestOf ?? 2,
    maxStopSequences: options.maxStopSequences ?? 4,
    maxTopNTokens: options.maxTopNTokens ?? 5,
    maxClientBatchSize: options.maxClientBatchSize ?? 4,
    maxInputTokens,
    maxTotalTokens,
    modelId: options.modelId,
    version: options.version ?? pkg.version,
    basePath,
    payloadLimit: options.payloadLimit ?? 2_000_000,
  };
}

/** TGI's launcher defaults: max_total_tokens = the context length, max_input_tokens = max_total − 1. */
export function limitsFor(config: ServerConfig, info: ModelInfo): Limits {
  const maxTotalTokens = config.maxTotalTokens ?? info.maxPositionEmbeddings;
  return {
    maxBestOf: config.maxBestOf,
    maxStopSequences: config.maxStopSequences,
    maxTopNTokens: config.maxTopNTokens,
    maxTotalTokens,
    maxInputTokens: config.maxInputTokens ?? maxTotalTokens - 1,
  };
}

export function servedModelId(config: ServerConfig, info: ModelInfo): string {
  return config.modelId ?? info.modelId;
}

export function systemFingerprint(config: ServerConfig): string {
  return `${config.version}-native`;
}

export function createContext(options: HandlerOptions): ShimContext {
  const config = resolveConfig(options);
  const { engine } = options;
  // The token histograms' buckets follow the limits, known once a model is loaded (lengths are only
  // recorded after that); until then a 1024-token context stands in.
  let limits: Pick<Limits, 'maxInputTokens' | 'maxTotalTokens'> = {
    maxInputTokens: config.maxInputTokens ?? 1023,
    maxTotalTokens: config.maxTotalTokens ?? 1024,
  };
  const context: ShimContext = {
    engine,
    config,
    permits: createPermits(config.maxConcurrentRequests),
    metrics: createTgiMetrics({
      limits: () => {
        const state = engine.state();
        if (state.state === 'ready') limits = limitsFor(config, state.info);
        return limits;
      },
    }),
    now: () => performance.now(),
    fail(error) {
      if (error.failure) context.metrics.failure(error.failure);
      return error;
    },
  };
  return context;
}
