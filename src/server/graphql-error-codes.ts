import type { ServerResponse } from 'node:http';

/**
 * GraphQL answers errors with status 200, so the request's log line reads their codes from
 * the body that was sent. Only a body that starts as an error answer does (`{"errors":` —
 * graphql-js and yoga put the errors first — or `{"data":null,"errors":`); every other answer
 * passes untouched, at the cost of one prefix check on its first chunk.
 */
const PREFIXES = ['{"errors":', '{"data":null,"errors":'];

export function watchGraphqlErrorCodes(res: ServerResponse, record: (codes: string[]) => void): void {
  let chunks: Buffer[] | undefined;
  let decided = false;
  const look = (chunk: unknown, encoding: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
    if (buffer === undefined) return;
    if (!decided) {
      decided = true;
      const head = buffer.subarray(0, 24).toString('utf8');
      if (PREFIXES.some((prefix) => head.startsWith(prefix))) chunks = [];
    }
    chunks?.push(buffer);
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    look(args[0], args[1]);
    return write(...args);
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    look(args[0], args[1]);
    if (chunks !== undefined) {
      const codes = codesOf(Buffer.concat(chunks).toString('utf8'));
      chunks = undefined;
      if (codes.length > 0) record(codes);
    }
    return end(...args);
  }) as ServerResponse['end'];
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
