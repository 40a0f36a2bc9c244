import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * One statement a client sent: a simple Query, a Parse (extended protocol) with its name, or a
 * Bind of a named statement parsed before on that connection (its text is the Parse's).
 */
export interface SeenStatement {
  readonly kind: 'query' | 'parse' | 'bind';
  /** the prepared statement's name ('' for the unnamed one; always '' for a simple Query) */
  readonly name: string;
  readonly text: string;
}

/**
 * A TCP proxy in front of a PostgreSQL server that reads what clients send: a stand-in for a
 * read replica or a pooler, to see which database a statement reached. It forwards bytes both
 * ways untouched and parses the client's side of the protocol: the startup message (no type
 * byte), then `Q` (simple query), `P` (Parse: name, text) and `B` (Bind: portal, statement name)
 * messages, so that every run of a named statement is seen, not only its first. `stop()` closes it and
 * every connection through it, as a replica that goes down; `start()` listens again on the
 * same port.
 */
export class PgProxy {
  readonly statements: SeenStatement[] = [];
  connections = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #port = 0;

  constructor(
    private readonly target: { readonly host: string; readonly port: number },
  ) {}

  get port(): number {
    return this.#port;
  }

  /** `url` with this proxy's host and port (the same user and database). */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.#port);
    return parsed.toString();
  }

  /**
   * the statements run whose text matches `pattern`: one entry per run (a simple Query, the
   * Parse of an unnamed statement, the Bind of a named one; a named Parse only prepares)
   */
  matching(pattern: RegExp): SeenStatement[] {
    return this.statements.filter((s) => (s.kind !== 'parse' || s.name === '') && pattern.test(s.text));
  }

  clear(): void {
    this.statements.length = 0;
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.connections++;
    const upstream = createConnection(this.target);
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    let buffered = Buffer.alloc(0);
    let started = false;
    /** this connection's named statements: name → text */
    const named = new Map<string, string>();
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (!started) {
          // the startup message (or an SSL/GSS request before it): int32 length, no type byte
          if (buffered.length < 8) return;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) return;
          const code = buffered.readInt32BE(4);
          buffered = buffered.subarray(length);
          // 80877103: SSLRequest, 80877104: GSSENCRequest; the startup message follows them
          if (code !== 80877103 && code !== 80877104) started = true;
          continue;
        }
        if (buffered.length < 5) return;
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        const type = String.fromCharCode(buffered[0] as number);
        const body = buffered.subarray(5, 1 + length);
        buffered = buffered.subarray(1 + length);
        if (type === 'Q') this.statements.push({ kind: 'query', name: '', text: cString(body, 0).text });
        else if (type === 'P') {
          const name = cString(body, 0);
          const text = cString(body, name.next).text;
          if (name.text !== '') named.set(name.text, text);
          this.statements.push({ kind: 'parse', name: name.text, text });
        } else if (type === 'B') {
          const portal = cString(body, 0);
          const statement = cString(body, portal.next).text;
          // a Bind of the unnamed statement follows its Parse, already seen
          if (statement !== '') this.statements.push({ kind: 'bind', name: statement, text: named.get(statement) ?? '' });
        }
      }
    });
  }
}

function cString(buffer: Buffer, at: number): { readonly text: string; readonly next: number } {
  const zero = buffer.indexOf(0, at);
  const stop = zero === -1 ? buffer.length : zero;
  return { text: buffer.toString('utf8', at, stop), next: stop + 1 };
}
