/**
 * xgrammar 0.1.27 (web) does not enforce a character class that holds non-ASCII characters: `[é-ë]` or
 * `[😀-🙏]` let other characters through, broken UTF-8 included, and `[^é]` lets `é` through. Literal
 * characters and alternations are exact. So before compiling, a class with non-ASCII members becomes an
 * alternation of its characters: `[a-cé-ë]` → `(?:[a-c]|é|ê|ë)`. A negated one, or one of more than
 * MAX_CHARACTERS non-ASCII characters, has no such rewrite and is refused (a grammar error, 422) rather
 * than enforced wrongly.
 */
import { EngineError } from '../protocol/errors';

const MAX_CHARACTERS = 1024;

/** One member of a class as written, and the code point it stands for when it is a single character. */
interface Atom {
  source: string;
  codePoint?: number;
}

/** A regex with every non-ASCII character class rewritten as an alternation (see above). */
export function rewriteNonAsciiClasses(pattern: string): string {
  const chars = [...pattern];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\') {
      out += chars[i] + (chars[i + 1] ?? '');
      i++;
    } else if (chars[i] === '[') {
      const end = classEnd(chars, i);
      if (end < 0) return out + chars.slice(i).join(''); // unclosed: xgrammar reports it
      out += rewriteClass(chars.slice(i, end + 1));
      i = end;
    } else out += chars[i];
  }
  return out;
}

/** Rewrites the regex strings of a JSON schema's `pattern` keywords, leaving values (const, enum…) alone. */
export function rewriteSchemaPatterns(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteSchemaPatterns);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => {
      if (key === 'pattern' && typeof value === 'string') return [key, rewriteNonAsciiClasses(value)];
      if (VALUE_KEYWORDS.has(key)) return [key, value];
      return [key, rewriteSchemaPatterns(value)];
    }),
  );
}

/** Keywords whose values are data, not schemas. */
const VALUE_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

/** Index of the `]` closing the class opened at `start`, or −1. */
function classEnd(chars: string[], start: number): number {
  for (let i = start + 1; i < chars.length; i++) {
    if (chars[i] === '\\') i++;
    else if (chars[i] === ']') return i;
  }
  return -1;
}

/** `[…]` as written (brackets included), rewritten when it holds non-ASCII members. */
function rewriteClass(chars: string[]): string {
  const negated = chars[1] === '^';
  const body = chars.slice(negated ? 2 : 1, -1);
  const ascii: string[] = [];
  const others: number[] = [];
  for (let i = 0; i < body.length; ) {
    const [from, next] = atomAt(body, i);
    i = next;
    let to = from;
    if (body[i] === '-' && i + 1 < body.length && from.codePoint !== undefined) {
      const [end, afterEnd] = atomAt(body, i + 1);
      if (end.codePoint !== undefined) [to, i] = [end, afterEnd];
    }
    const low = from.codePoint;
    const high = to.codePoint;
    if (low === undefined || high === undefined || high < 0x80) {
      ascii.push(from === to ? from.source : `${from.source}-${to.source}`);
      continue;
    }
    if (low < 0x80) ascii.push(`${from.source}-\\x7f`);
    for (let c = Math.max(low, 0x80); c <= high && others.length <= MAX_CHARACTERS; c++) others.push(c);
  }
  if (others.length === 0) return chars.join('');
  const written = chars.join('');
  if (negated) {
    throw new EngineError(
      'grammar',
      `the regex class ${written} excludes non-ASCII characters, which the grammar engine cannot enforce`,
    );
  }
  if (others.length > MAX_CHARACTERS) {
    throw new EngineError(
      'grammar',
      `the regex class ${written} holds more than ${MAX_CHARACTERS} non-ASCII characters, more than the grammar engine can enforce`,
    );
  }
  const alternatives = [
    ...(ascii.length > 0 ? [`[${ascii.join('')}]`] : []),
    ...others.map((c) => String.fromCodePoint(c)),
  ];
  return `(?:${alternatives.join('|')})`;
}

/** The class member starting at `i` (a character or an escape), and where the next one starts. */
function atomAt(body: string[], i: number): [Atom, number] {
  if (body[i] !== '\\') return [{ source: body[i], codePoint: body[i].codePointAt(0) }, i + 1];
  const escaped = body[i + 1] ?? '';
  const hex = (length: number) => body.slice(i + 2, i + 2 + length).join('');
  if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(hex(4))) {
    return [{ source: `\\u${hex(4)}`, codePoint: parseInt(hex(4), 16) }, i + 6];
  }
  if (escaped === 'x' && /^[0-9a-fA-F]{2}$/.test(hex(2))) {
    return [{ source: `\\x${hex(2)}`, codePoint: parseInt(hex(2), 16) }, i + 4];
  }
  // Shorthands (\d, \w, \s…) and control escapes (\n, \t…) are ASCII; any other escape is its character.
  const literal = /[A-Za-z0-9]/.test(escaped) ? undefined : escaped.codePointAt(0);
  return [{ source: `\\${escaped}`, codePoint: literal ?? (/[ntrfv0]/.test(escaped) ? 0 : undefined) }, i + 2];
}
