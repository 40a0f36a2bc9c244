/**
 * RESP2, the Redis serialization protocol (https://redis.io/docs/latest/develop/reference/protocol-spec/):
 * encoding commands, and an incremental parser for replies that arrive in arbitrary chunks.
 */

/** An error reply (`-ERR …`, `-NOSCRIPT …`): a value inside an array, or the rejection of a command. */
export class RespError extends Error {
  override readonly name = 'RespError';
  /** the first word of the message, by Redis convention the error kind: `ERR`, `NOSCRIPT`, `WRONGTYPE` */
  readonly kind: string;

  constructor(message: string) {
    super(message);
    this.kind = /^\S+/.exec(message)?.[0] ?? '';
  }
}

/** A reply that breaks the protocol: the connection it came on cannot be trusted any more. */
export class RespProtocolError extends Error {
  override readonly name = 'RespProtocolError';
}

/**
 * One reply: a simple or bulk string (bulk strings are decoded as UTF-8), an integer, null (a
 * null bulk string or null array), an error, or an array of replies.
 */
export type RespValue = string | number | null | RespError | readonly RespValue[];

/** What a command's arguments may be; numbers are sent as their decimal text. */
export type RespArgument = string | number | Buffer;

/** `*<n>\r\n` then `$<bytes>\r\n<arg>\r\n` per argument: how every command is sent. */
export function encodeCommand(args: readonly RespArgument[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(typeof arg === 'number' ? String(arg) : arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);

/**
 * Turns a byte stream into replies. TCP delivers replies cut anywhere (inside a length, between
 * `\r` and `\n`, in the middle of a bulk string), so bytes that do not make a whole reply yet are
 * kept until the next chunk. A reply is parsed from its first byte again when more bytes come:
 * the replies of a rate limiter are a few bytes long, so this is cheaper than keeping the state
 * of a half-parsed reply.
 */
export class RespParser {
  #buffer: Buffer = EMPTY;

  /** The replies completed by this chunk, in order (none when it ends mid-reply). Throws RespProtocolError. */
  push(chunk: Buffer): RespValue[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const values: RespValue[] = [];
    let offset = 0;
    for (;;) {
      const parsed = parseReply(this.#buffer, offset);
      if (parsed === undefined) break;
      values.push(parsed.value);
      offset = parsed.end;
    }
    this.#buffer = offset >= this.#buffer.length ? EMPTY : this.#buffer.subarray(offset);
    return values;
  }

  /** Bytes received that are not yet a whole reply. */
  get pending(): number {
    return this.#buffer.length;
  }

  /** Forgets any partial reply (a new connection starts clean). */
  reset(): void {
    this.#buffer = EMPTY;
  }
}

interface Parsed {
  readonly value: RespValue;
  /** the offset just past the reply */
  readonly end: number;
}

/** One reply starting at `offset`, or undefined if the buffer ends before it does. */
function parseReply(buffer: Buffer, offset: number): Parsed | undefined {
  if (offset >= buffer.length) return undefined;
  const lineEnd = buffer.indexOf(CRLF, offset + 1);
  if (lineEnd === -1) return undefined;
  const type = buffer[offset];
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case 0x2b /* + */:
      return { value: line, end: afterLine };
    case 0x2d /* - */:
      return { value: new RespError(line), end: afterLine };
    case 0x3a /* : */:
      return { value: parseInteger(line), end: afterLine };
    case 0x24 /* $ */: {
      const length = parseInteger(line);
      if (length === -1) return { value: null, end: afterLine };
      if (length < 0) throw new RespProtocolError(`bad bulk string length ${length}`);
      const end = afterLine + length;
      if (buffer.length < end + 2) return undefined;
      if (buffer[end] !== 0x0d || buffer[end + 1] !== 0x0a) throw new RespProtocolError('bulk string not followed by CRLF');
      return { value: buffer.toString('utf8', afterLine, end), end: end + 2 };
    }
    case 0x2a /* * */: {
      const count = parseInteger(line);
      if (count === -1) return { value: null, end: afterLine };
      if (count < 0) throw new RespProtocolError(`bad array length ${count}`);
      const items: RespValue[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, next);
        if (item === undefined) return undefined;
        items.push(item.value);
        next = item.end;
      }
      return { value: items, end: next };
    }
    default:
      throw new RespProtocolError(`unknown reply type ${JSON.stringify(String.fromCharCode(type ?? 0))}`);
  }
}

function parseInteger(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new RespProtocolError(`bad integer ${JSON.stringify(text)}`);
  return Number(text);
}
