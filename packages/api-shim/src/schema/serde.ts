/**
 * Decoders that turn parsed JSON into typed request objects with serde's semantics and words, because
 * TGI answers a body of the wrong shape with 422 `Failed to deserialize the JSON body into the target
 * type: {path}: {serde message}` — clients and tests see these strings.
 *
 * What serde does and we copy: unknown fields are ignored; `Option` fields accept null or absence;
 * `#[serde(default)]` fields accept absence but not null; f32 fields are rounded to f32; the first
 * error in document order wins, missing fields are reported after the fields present.
 * What we cannot copy: serde's ` at line L column C` suffix on data errors (JSON.parse keeps no
 * positions), and `1.0` vs `1` (JSON.parse makes both the integer 1).
 */
import { formatPath } from './json';

export type Path = readonly (string | number)[];
export type Decoder<T> = (value: unknown, at: Path) => T;

export class DecodeError extends Error {
  constructor(
    readonly path: Path,
    readonly detail: string,
  ) {
    const where = formatPath(path);
    super(where ? `${where}: ${detail}` : detail);
    this.name = 'DecodeError';
  }
}

/** Rust's `{:?}` of a string: quoted, with `\"`, `\\`, `\n`, `\r`, `\t`, `\0` and `\u{..}` escapes. */
function rustDebugString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code === 0) out += '\\0';
    else if (code < 0x20 || code === 0x7f) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** serde's `Unexpected` display for a JSON value. */
export function unexpected(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'number')
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (typeof value === 'string') return `string ${rustDebugString(value)}`;
  if (Array.isArray(value)) return 'sequence';
  return 'map';
}

export function invalidType(value: unknown, expected: string, at: Path): DecodeError {
  return new DecodeError(at, `invalid type: ${unexpected(value)}, expected ${expected}`);
}

export const string: Decoder<string> = (v, at) => {
  if (typeof v !== 'string') throw invalidType(v, 'a string', at);
  return v;
};

export const boolean: Decoder<boolean> = (v, at) => {
  if (typeof v !== 'boolean') throw invalidType(v, 'a boolean', at);
  return v;
};

/** f32: any JSON number, rounded to single precision as serde's `f64 as f32` does. */
export const f32: Decoder<number> = (v, at) => {
  if (typeof v !== 'number') throw invalidType(v, 'f32', at);
  return Math.fround(v);
};

function integer(name: string, min: number, max: number): Decoder<number> {
  return (v, at) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidType(v, name, at);
    if (v < min || v > max) throw new DecodeError(at, `invalid value: integer \`${v}\`, expected ${name}`);
    return v;
  };
}

export const u32 = integer('u32', 0, 2 ** 32 - 1);
export const i32 = integer('i32', -(2 ** 31), 2 ** 31 - 1);
export const usize = integer('usize', 0, Number.MAX_SAFE_INTEGER);
/** Seeds above 2^53 lose precision in JavaScript; accepted anyway, like any JSON number client. */
export const u64 = integer('u64', 0, 2 ** 64 - 1);

/** Any JSON value (serde_json::Value). */
export const any: Decoder<unknown> = (v) => v;

export function seq<T>(item: Decoder<T>): Decoder<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) throw invalidType(v, 'a sequence', at);
    return v.map((x, i) => item(x, [...at, i]));
  };
}

/** `Option<T>`: null is None (absence is handled by the struct). */
export function option<T>(inner: Decoder<T>): Decoder<T | undefined> {
  return (v, at) => (v === null || v === undefined ? undefined : inner(v, at));
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a struct fills a field that is absent from the JSON. */
export type Missing<T> = 'required' | 'none' | { default: () => T };

export interface Field<T> {
  decode: Decoder<T>;
  missing: Missing<T>;
  /** Other accepted names (`#[serde(alias)]`); giving two of them is a `duplicate field` error. */
  aliases?: readonly string[];
}

export const required = <T>(decode: Decoder<T>): Field<T> => ({ decode, missing: 'required' });
export const optional = <T>(decode: Decoder<T>, aliases?: readonly string[]): Field<T | undefined> => ({
  decode: option(decode),
  missing: 'none',
  aliases,
});
export const defaulted = <T>(decode: Decoder<T>, value: () => T): Field<T> => ({
  decode,
  missing: { default: value },
});

/** A struct decoder: fields in the JSON's order, then the missing ones. Unknown keys are ignored. */
export function struct<T extends object>(name: string, fields: { [K in keyof T]: Field<T[K]> }): Decoder<T> {
  const byName = new Map<string, keyof T>();
  for (const key of Object.keys(fields) as (keyof T & string)[]) {
    byName.set(key, key);
    for (const alias of fields[key].aliases ?? []) byName.set(alias, key);
  }
  return (v, at) => {
    if (!isMap(v)) throw invalidType(v, `struct ${name}`, at);
    const out: Partial<T> = {};
    const seen = new Set<keyof T>();
    for (const [jsonKey, jsonValue] of Object.entries(v)) {
      const key = byName.get(jsonKey);
      if (key === undefined) continue;
      if (seen.has(key)) throw new DecodeError(at, `duplicate field \`${String(key)}\``);
      seen.add(key);
      out[key] = fields[key].decode(jsonValue, [...at, jsonKey]);
    }
    for (const key of Object.keys(fields) as (keyof T & string)[]) {
      if (seen.has(key)) continue;
      const missing = fields[key].missing;
      if (missing === 'required') throw new DecodeError(at, `missing field \`${key}\``);
      out[key] = (missing === 'none' ? undefined : missing.default()) as T[typeof key];
    }
    return out as T;
  };
}

/**
 * `#[serde(untagged)]`: the first variant that decodes wins; serde reports only that none did.
 * Errors inside a variant are swallowed, as serde does.
 */
export function untagged<T>(name: string, variants: readonly Decoder<T>[]): Decoder<T> {
  return (v, at) => {
    for (const variant of variants) {
      try {
        return variant(v, at);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    }
    throw new DecodeError(at, `data did not match any variant of untagged enum ${name}`);
  };
}

/** Decode the root value; a DecodeError's message is what goes after TGI's 422 prefix. */
export function decodeRoot<T>(decoder: Decoder<T>, value: unknown): T {
  return decoder(value, []);
}
