/**
 * Loading xgrammar's WASM build (`@mlc-ai/web-xgrammar`) and reading its error messages.
 *
 * Two quirks of the package are handled here and nowhere else:
 * - It ships a UMD bundle in a `"type": "module"` package: imported as ESM it exports nothing and
 *   sets `globalThis.xgrammar` instead; a bundler that wraps it as CommonJS gives a default export.
 *   Its wasm is inlined in that bundle as a data: URI, so the app serves it with the JS (no CDN, no
 *   extra asset to emit).
 * - A grammar it cannot compile makes the C++ side print `[FATAL] file:line: … reason` through
 *   `console.error` and abort the call with a bare `RuntimeError: Aborted()`. The reason is only in
 *   the print, so prints are captured while a compile runs (the module binds `console.error` when it
 *   starts, hence the hook goes in before the first call).
 * - A schema nested deep enough overflows the wasm stack: a trap (`memory access out of bounds`)
 *   that leaves the module's stack pointer where it was, so every later call traps too. The module
 *   keeps its wasm instance in a closure nobody can reset, so a trap loads a fresh copy of the
 *   bundle (its own URL, under a new fragment: a new module record, a new wasm instance); grammars
 *   compiled by the old copy are dropped with it (`generation()` tells their owners).
 */
import type * as Xgrammar from '@mlc-ai/web-xgrammar';
// The same bundle as a plain asset, to load a fresh copy after a trap.
import bundleUrl from '@mlc-ai/web-xgrammar/lib/index.js?url';
import { EngineError } from '../protocol/errors';

export type XgrammarApi = Pick<typeof Xgrammar, 'GrammarCompiler' | 'GrammarMatcher' | 'TokenizerInfo'>;
export type { CompiledGrammar, GrammarCompiler, GrammarMatcher } from '@mlc-ai/web-xgrammar';

let api: Promise<XgrammarApi> | null = null;
let captured: string[] | null = null;
/** How many times the module was loaded afresh after a trap. */
let rebuilds = 0;

/** Changes whenever the module is replaced: what an older generation compiled is no longer valid. */
export function generation(): number {
  return rebuilds;
}

export function loadXgrammar(): Promise<XgrammarApi> {
  api ??= (async () => {
    if (rebuilds === 0) captureConsoleErrors();
    else delete (globalThis as { xgrammar?: XgrammarApi }).xgrammar;
    const module = (
      rebuilds === 0
        ? await import('@mlc-ai/web-xgrammar')
        : await import(
            /* @vite-ignore */ /* webpackIgnore: true */ `${new URL(bundleUrl, import.meta.url).href}#rebuild-${rebuilds}`
          )
    ) as Partial<{ default: XgrammarApi }> & Partial<XgrammarApi>;
    const found =
      module.default?.GrammarCompiler !== undefined
        ? module.default
        : module.GrammarCompiler !== undefined
          ? (module as XgrammarApi)
          : (globalThis as { xgrammar?: XgrammarApi }).xgrammar;
    if (!found) throw new Error('@mlc-ai/web-xgrammar did not load');
    return found;
  })();
  return api;
}

function captureConsoleErrors(): void {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    if (captured) captured.push(args.map(String).join(' '));
    else original.apply(console, args);
  };
}

/**
 * Run one xgrammar call that may reject the grammar; its failure becomes a `grammar` EngineError with
 * xgrammar's own reason (e.g. `Regex parsing error at position 3: The parenthesis is not closed.`).
 */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  captured = [];
  try {
    return await call();
  } catch (error) {
    if (isTrap(error)) {
      // Dropped for the next caller; this one's grammar is refused in words the client can act on.
      rebuilds++;
      api = null;
      throw new EngineError(
        'grammar',
        `the grammar is too complex for the grammar compiler (it trapped: ${(error as Error).message}); simplify or flatten the schema`,
        { cause: error },
      );
    }
    throw new EngineError('grammar', reasonOf(captured, error), { cause: error });
  } finally {
    captured = null;
  }
}

/**
 * A wasm trap other than the module's own abort() (`Aborted()`, how it refuses a grammar and stays
 * usable), or a JS stack overflow in the middle of a call.
 */
function isTrap(error: unknown): boolean {
  if (error instanceof RangeError) return /call stack/i.test(error.message);
  return error instanceof Error && error.name === 'RuntimeError' && !/^Aborted\(/.test(error.message);
}

function reasonOf(lines: readonly string[], error: unknown): string {
  for (const line of lines) {
    // `[FATAL] /path/json_schema_converter.cc:961: Check failed: (cond) is false: Cannot find field …`
    const fatal = /\[FATAL\][^:]*:\d+:\s*(?:Check failed: .*? is false:\s*)?(.*)$/s.exec(line);
    if (fatal) return fatal[1].trim();
  }
  return error instanceof Error ? error.message : String(error);
}
