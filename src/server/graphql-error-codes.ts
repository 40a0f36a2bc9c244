import type { ServerResponse } from 'node:http';

/**
 * GraphQL answers errors with status 200, so the request's log line reads their codes from
 * the body that was sent. Only a body that starts as an error answer does (`{"errors":` —
 * graphql-js and yoga put the errors first — or `{"data":null,"errors":`); every other answer
 * passes untouched, at the cost of one prefix check on its first chunk.
 */
const PREFIXES = ['{"errors":', '{"data":null,"errors":'];

export function watchGraphqlErrorCodes(res: ServerResponse, record: (codes: string[]) => void): void {
  // the error answer's bytes, kept only once its start says it is one (joined before decoding:
  // a character may be split between two chunks)
  let parts: Buffer[] | undefined;
  let decided = false;
  const look = (chunk: unknown, encoding: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    // a string (the fast path's whole answer) is read as it is: never encoded again to check its start
    const text =
      typeof chunk === 'string' && (encoding === undefined || typeof encoding === 'function' || encoding === 'utf8' || encoding === 'utf-8')
        ? chunk
        : undefined;
    if (!decided) {
      decided = true;
      const head = text ?? bufferOf(chunk, encoding)?.subarray(0, 24).toString('utf8') ?? '';
      if (PREFIXES.some((prefix) => head.startsWith(prefix))) parts = [];
    }
    if (parts === undefined) return;
    const kept = bufferOf(chunk, encoding);
    if (kept !== undefined) parts.push(kept);
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    look(args[0], args[1]);
    return write(...args);
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    look(args[0], args[1]);
    if (parts !== undefined) {
      const codes = codesOf(Buffer.concat(parts).toString('utf8'));
      parts = undefined;
      if (codes.length > 0) record(codes);
    }
    return end(...args);
  }) as ServerResponse['end'];
}

/** A chunk as bytes: a string in its encoding, or the bytes given; undefined for anything else. */
function bufferOf(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : undefined;
}

/** `errors[].extensions.code`, each once, in order; a body that is not JSON has none. */
export function codesOf(text: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  const codes = new Set<string>();
  for (const error of errors) {
    const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
    codes.add(typeof code === 'string' ? code : 'none');
  }
  return [...codes];
}
