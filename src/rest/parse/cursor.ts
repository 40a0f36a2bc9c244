import { invalidRequest } from '../../errors/index.js';

/**
 * How deep parentheses may nest in one parameter. The parsers recurse once per level, so a
 * hostile `select=a(a(a(…` could otherwise overflow the stack and surface as a RangeError
 * instead of a 400. Real requests stay far below this.
 */
const MAX_DEPTH = 64;

/**
 * A position in one query-string value, with the helpers a recursive-descent parser needs.
 * Every failure becomes a RequestError (PostgREST's PGRST100) whose message names the parameter
 * the way PostgREST does (`failed to parse filter (eqx.5)`) and whose details say what was
 * found where, and what would have been accepted.
 */
export class Cursor {
  #pos = 0;
  #depth = 0;

  constructor(
    readonly text: string,
    /** the error message: `failed to parse <what> (<value>)` */
    readonly context: string,
  ) {}

  get pos(): number {
    return this.#pos;
  }

  get done(): boolean {
    return this.#pos >= this.text.length;
  }

  /** The character `offset` places ahead, or `''` past the end. */
  peek(offset = 0): string {
    return this.text.charAt(this.#pos + offset);
  }

  startsWith(prefix: string): boolean {
    return this.text.startsWith(prefix, this.#pos);
  }

  /** Consumes `prefix` when it comes next. */
  eat(prefix: string): boolean {
    if (!this.startsWith(prefix)) return false;
    this.#pos += prefix.length;
    return true;
  }

  /** Consumes characters while `accept` holds, and returns them. */
  takeWhile(accept: (char: string) => boolean): string {
    const start = this.#pos;
    while (!this.done && accept(this.peek())) this.#pos += 1;
    return this.text.slice(start, this.#pos);
  }

  /** Consumes everything that is left. */
  rest(): string {
    const rest = this.text.slice(this.#pos);
    this.#pos = this.text.length;
    return rest;
  }

  /** PostgREST's `lexeme`: blanks (space, tab) around items are not significant. */
  skipSpaces(): void {
    this.takeWhile((char) => char === ' ' || char === '\t');
  }

  /** A position to come back to: alternatives that share a prefix look ahead, then rewind. */
  mark(): number {
    return this.#pos;
  }

  reset(mark: number): void {
    this.#pos = mark;
  }

  expect(token: string, expecting = JSON.stringify(token)): void {
    if (!this.eat(token)) this.unexpected(expecting);
  }

  expectEnd(expecting: string): void {
    if (!this.done) this.unexpected(expecting);
  }

  /** Runs one level of nesting, refusing to go deeper than MAX_DEPTH. */
  nest<T>(parse: () => T): T {
    if (this.#depth >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels at column ${this.#pos + 1}`);
    this.#depth += 1;
    try {
      return parse();
    } finally {
      this.#depth -= 1;
    }
  }

  unexpected(expecting: string): never {
    const found = this.done ? 'end of input' : JSON.stringify(String.fromCodePoint(this.text.codePointAt(this.#pos) ?? 0));
    return this.fail(`unexpected ${found} at column ${this.#pos + 1}, expecting ${expecting}`);
  }

  fail(details: string): never {
    throw invalidRequest(this.context, { postgrest: 'PGRST100', details });
  }
}
