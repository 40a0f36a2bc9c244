import type { ServerResponse } from 'node:http';
import { RequestError } from '../errors/index.js';

/** The answer to OPTIONS: 200, the methods in `Allow`, no body. */
export function allow(res: ServerResponse, methods: string): void {
  res.writeHead(200, { Allow: methods, 'Content-Length': '0' });
  res.end();
}

export function methodNotAllowed(method: string, allow: string): RequestError {
  return new RequestError('PGD102', `Unsupported HTTP method: ${method}`, { postgrest: 'PGRST117', details: `Allow: ${allow}` });
}
