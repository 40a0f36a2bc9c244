import type { IncomingMessage } from 'node:http';
import { PgduetError } from '../errors/index.js';

/**
 * A request's body, at most `maxBytes` of it: more is refused (PGD404, 413) as soon as it
 * arrives, and the rest is not read. The listener refuses a `Content-Length` over the limit
 * before any handler; this catches bodies sent without one (chunked).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // A client that left before its body was read: Node destroys the request, which then never
    // ends. Without this the caller would wait forever (holding its transaction, in
    // PostgreSQL-native mode, and so a pooled connection).
    const gone = (): void => reject(clientGone());
    if (req.destroyed && !req.readableEnded) {
      gone();
      return;
    }
    req.once('close', () => {
      if (!req.readableEnded) gone();
    });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The body, read once per request: the first reader keeps it on `req.body` (where yoga's Node
 * adapter also looks), and every later one gets it from there, the stream being consumed.
 */
export async function keptBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const holder = req as IncomingMessage & { body?: unknown };
  if (Buffer.isBuffer(holder.body)) return holder.body;
  const body = await readBody(req, maxBytes);
  holder.body = body;
  return body;
}

function clientGone(): PgduetError {
  return new PgduetError('PGD503', 'the client closed the connection before its request body was read');
}

export function tooLarge(maxBytes: number): PgduetError {
  return new PgduetError('PGD404', `the request body is larger than ${maxBytes} bytes`, { hint: 'send less, or raise server.maxBodyBytes' });
}
