/**
 * JSON parsing with serde_json's error words. `JSON.parse` does the work; only when it fails do we
 * re-scan the text to find the FIRST error and describe it the way TGI (serde_json + serde_path_to_error)
 * does: `{path}: {what} at line {l} column {c}`. V8's own messages differ between engines and versions,
 * and tests assert exact bytes.
 */

export type JsonResult = { ok: true; value: unknown } | { ok: false; message: string };

export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const { path, message } = describeSyntaxError(text);
    return { ok: false, message: path ? `${path}: ${message}` : message };
  }
}

/** Where and why `text` is not JSON, in serde's words; `path` is the dotted path of the value being read. */
export function describeSyntaxError(text: string): { path: string; message: string } {
  const scanner = new Scanner(text);
  try {
    scanner.document();
  } catch (e) {
    if (e instanceof SyntaxFound) return { path: formatPath(scanner.path), message: e.message };
    throw e;
  }
  // JSON.parse failed but the scan found nothing: only possible for inputs serde also rejects in ways
  // we do not model (e.g. nesting beyond its recursion limit).
  return { path: '', message: `recursion limit exceeded at ${position(text, text.length - 1)}` };
}

/** serde_path_to_error's path: `a.b[0].c` (empty at the root). */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

class SyntaxFound extends Error {}

/** serde_json counts the line and the byte column of the last character it consumed. */
function position(text: string, index: number): string {
  const consumed = text.slice(0, index + 1);
  const lineStart = consumed.lastIndexOf('\n') + 1;
  const line = consumed.split('\n').length;
  const column = new TextEncoder().encode(consumed.slice(lineStart)).length;
  return `line ${line} column ${column}`;
}

const WHITESPACE = new Set([' ', '\n', '\t', '\r']);

class Scanner {
  readonly path: (string | number)[] = [];
  private i = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.skipWhitespace();
    if (this.i < this.text.length) this.fail('trailing characters', this.i);
  }

  private fail(what: string, index: number): never {
    throw new SyntaxFound(`${what} at ${position(this.text, index)}`);
  }

  private eof(what: string): never {
    this.fail(`EOF while parsing ${what}`, this.text.length - 1);
  }

  private skipWhitespace(): void {
    while (this.i < this.text.length && WHITESPACE.has(this.text[this.i])) this.i++;
  }

  private value(): void {
    this.skipWhitespace();
    if (this.i >= this.text.length) this.eof('a value');
    const c = this.text[this.i];
    if (c === '{') this.object();
    else if (c === '[') this.array();
    else if (c === '"') this.string();
    else if (c === '-' || (c >= '0' && c <= '9')) this.number();
    else if (c === 't') this.ident('true');
    else if (c === 'f') this.ident('false');
    else if (c === 'n') this.ident('null');
    else this.fail('expected value', this.i);
  }

  private ident(word: string): void {
    for (const expected of word) {
      if (this.i >= this.text.length) this.eof('a value');
      if (this.text[this.i] !== expected) this.fail('expected ident', this.i);
      this.i++;
    }
  }

  private digits(): boolean {
    const start = this.i;
    while (this.i < this.text.length && this.text[this.i] >= '0' && this.text[this.i] <= '9') this.i++;
    return this.i > start;
  }

  private number(): void {
    if (this.text[this.i] === '-') this.i++;
    if (this.text[this.i] === '0') {
      this.i++;
      const next = this.text[this.i];
      if (next !== undefined && next >= '0' && next <= '9') this.fail('invalid number', this.i);
    } else if (!this.digits()) {
      this.fail('invalid number', Math.min(this.i, this.text.length - 1));
    }
    if (this.text[this.i] === '.') {
      this.i++;
      if (!this.digits()) this.fail('invalid number', Math.min(this.i, this.text.length - 1));
    }
    if (this.text[this.i] === 'e' || this.text[this.i] === 'E') {
      this.i++;
      if (this.text[this.i] === '+' || this.text[this.i] === '-') this.i++;
      if (!this.digits()) this.fail('invalid number', Math.min(this.i, this.text.length - 1));
    }
  }

  /** Returns the decoded string (object keys become path segments). */
  private string(): string {
    const start = this.i + 1;
    this.i++;
    for (;;) {
      if (this.i >= this.text.length) this.eof('a string');
      const c = this.text[this.i];
      if (c === '"') {
        this.i++;
        return JSON.parse(this.text.slice(start - 1, this.i)) as string;
      }
      if (c < ' ') this.fail('control character (\\u0000-\\u001F) found while parsing a string', this.i);
      if (c === '\\') {
        this.i++;
        if (this.i >= this.text.length) this.eof('a string');
        const e = this.text[this.i];
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            this.i++;
            if (this.i >= this.text.length) this.eof('a string');
            if (!/[0-9a-fA-F]/.test(this.text[this.i])) this.fail('invalid escape', this.i);
          }
        } else if (!'"\\/bfnrt'.includes(e)) {
          this.fail('invalid escape', this.i);
        }
      }
      this.i++;
    }
  }

  private object(): void {
    this.members('}', 'an object', () => {
      if (this.text[this.i] !== '"') this.fail('key must be a string', this.i);
      const key = this.string();
      this.skipWhitespace();
      if (this.i >= this.text.length) this.eof('an object');
      if (this.text[this.i] !== ':') this.fail('expected `:`', this.i);
      this.i++;
      this.path.push(key);
      this.value();
      this.path.pop();
    });
  }

  private array(): void {
    this.members(']', 'a list', (index) => {
      this.path.push(index);
      this.value();
      this.path.pop();
    });
  }

  /** An object's members or a list's items, from the opening bracket to `close`, with serde_json's errors. */
  private members(close: '}' | ']', what: string, member: (index: number) => void): void {
    this.i++; // the opening bracket
    this.skipWhitespace();
    if (this.i >= this.text.length) this.eof(what);
    if (this.text[this.i] === close) {
      this.i++;
      return;
    }
    for (let index = 0; ; index++) {
      this.skipWhitespace();
      if (this.i >= this.text.length) this.eof(what);
      if (this.text[this.i] === close && index > 0) this.fail('trailing comma', this.i);
      member(index);
      this.skipWhitespace();
      if (this.i >= this.text.length) this.eof(what);
      const after = this.text[this.i];
      this.i++;
      if (after === close) return;
      if (after !== ',') this.fail(`expected \`,\` or \`${close}\``, this.i - 1);
    }
  }
}
