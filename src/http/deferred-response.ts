import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * A response kept back until the request's transaction has committed: handlers write to it
 * as to a ServerResponse (`setHeader`, `writeHead`, `end`), and `flushTo` sends it for real.
 * So a client never hears "201 Created" about a write whose COMMIT then fails.
 */
export class DeferredResponse {
  statusCode = 200;
  #headers: OutgoingHttpHeaders = {};
  #body: string | Buffer | undefined;
  #ended = false;

  get headersSent(): boolean {
    return this.#ended;
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    this.#headers[name.toLowerCase()] = value as OutgoingHttpHeaders[string];
    return this;
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders | readonly (readonly [string, string])[]): this {
    this.statusCode = status;
    const entries = Array.isArray(headers) ? headers : Object.entries(headers ?? {});
    for (const [name, value] of entries as [string, OutgoingHttpHeaders[string]][]) if (value !== undefined) this.#headers[name.toLowerCase()] = value;
    return this;
  }

  end(body?: string | Buffer | null): this {
    if (body !== undefined && body !== null) this.#body = body;
    this.#ended = true;
    return this;
  }

  destroy(): this {
    this.#ended = true;
    return this;
  }

  /** What a handler may treat as its ServerResponse. */
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }

  flushTo(res: ServerResponse): void {
    for (const [name, value] of Object.entries(this.#headers)) if (value !== undefined) res.setHeader(name, value);
    res.writeHead(this.statusCode);
    res.end(this.#body);
  }
}
