import type { IncomingMessage } from 'node:http';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { isPgduetError, isUnexpected, toGraphqlError } from '../errors/index.js';
import type { UpgradeHandler } from '../http/index.js';
import type { OperationRequest, Prepared } from './live-operation.js';
import { Connection, type ConnectionDeps } from './ws-connection.js';

/** The subprotocol of subscriptions-transport-ws (Apollo's legacy client; Hasura's default). */
export const LEGACY_PROTOCOL = 'graphql-ws';

export interface TransportOptions {
  readonly connectionInitTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly log: Logger;
  /** a socket opened (+1) or closed (-1), by subprotocol */
  readonly onSocket: (protocol: string, delta: number) => void;
}

/**
 * WebSockets on a GraphQL mount's path, in both subprotocols a Hasura client may speak, picked
 * from the upgrade's `Sec-WebSocket-Protocol`: `graphql-transport-ws` (the graphql-ws library
 * runs it) and the legacy `graphql-ws` of subscriptions-transport-ws (legacy-ws.ts adapts its
 * framing). A request naming neither gets the legacy protocol, as Hasura gives it. Both hand
 * their operations to the same Connection.
 */
export function graphqlUpgrade(deps: ConnectionDeps, options: TransportOptions): UpgradeHandler {
  const modern = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => handleProtocols(protocols) });
  const legacy = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has(LEGACY_PROTOCOL) ? LEGACY_PROTOCOL : false) });
  serveModern(modern, deps, options);
  legacy.on('connection', (socket: WebSocket, req: IncomingMessage) => serveLegacy(socket, req, deps, options));
  return (req, socket, head) => {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const server = offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL) ? modern : legacy;
    server.handleUpgrade(req, socket, head, (ws) => server.emit('connection', ws, req));
  };
}

/** Closes `socket` when its credentials expire (Hasura closes a JWT connection at `exp`). */
function expireAt(connection: Connection, close: () => void): { cancel(): void } | undefined {
  const at = connection.expiresAt;
  if (at === undefined) return undefined;
  // setTimeout's bound is 2^31-1 ms (24.8 days): a later expiry is checked again then
  // (a timer may also fire a little early): until then, wait again
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const wait = Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1);
    timer = setTimeout(() => (Date.now() >= at ? close() : arm()), wait + 5);
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

export const JWT_EXPIRED = 'Could not verify JWT: JWTExpired';

/** A refused `connection_init`'s reason, short enough for a close frame (123 bytes). */
function refusalReason(error: unknown, log: Logger): string {
  if (isUnexpected(error)) log.error({ err: error }, 'unexpected error while opening a WebSocket connection');
  const message = isPgduetError(error) || error instanceof Error ? error.message : 'connection refused';
  return Buffer.byteLength(message) > 120 ? `${message.slice(0, 110)}…` : message;
}

function serveModern(server: WebSocketServer, deps: ConnectionDeps, options: TransportOptions): void {
  const connections = new WeakMap<WebSocket, { connection: Connection; expiry: { cancel(): void } | undefined }>();
  const connectionOf = (socket: WebSocket): Connection => {
    const held = connections.get(socket);
    if (held === undefined) throw new Error('an operation before connection_init was acknowledged');
    return held.connection;
  };
  server.on('connection', () => options.onSocket(GRAPHQL_TRANSPORT_WS_PROTOCOL, 1));
  useServer(
    {
      connectionInitWaitTimeout: options.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        try {
          const connection = await Connection.open(deps, request, ctx.connectionParams);
          if (socket.readyState !== socket.OPEN) {
            // gone while it was identified
            connection.close();
            return false;
          }
          const expiry = expireAt(connection, () => socket.close(CloseCode.Forbidden, JWT_EXPIRED));
          connections.set(socket, { connection, expiry });
          return true;
        } catch (error) {
          socket.close(CloseCode.Forbidden, refusalReason(error, options.log));
          return false;
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        const connection = connectionOf(ctx.extra.socket);
        // our own validation (validate.ts: the role's rules), plan and chain decide; graphql-ws frames the results
        const prepared = connection.prepare(payload);
        if (prepared.kind === 'errors') return prepared.errors;
        return {
          schema: connection.built.schema,
          document: prepared.document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: { connection, prepared, payload },
        };
      },
      execute: (args) => operate(args.contextValue),
      subscribe: (args) => operate(args.contextValue),
      onClose: (ctx) => {
        const held = connections.get(ctx.extra.socket);
        held?.expiry?.cancel();
        held?.connection.close();
        connections.delete(ctx.extra.socket);
        options.onSocket(GRAPHQL_TRANSPORT_WS_PROTOCOL, -1);
      },
    },
    server,
    options.keepAliveMs > 0 ? options.keepAliveMs : Number.POSITIVE_INFINITY,
  );
}

function operate(context: unknown): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
  const { connection, prepared } = context as { connection: Connection; prepared: Exclude<Prepared, { kind: 'errors' }> };
  return connection.operate(prepared);
}

// ---------------------------------------------------------------- the legacy protocol

/**
 * subscriptions-transport-ws's protocol (PROTOCOL.md of apollographql/subscriptions-transport-ws):
 * client `connection_init`, `start`, `stop`, `connection_terminate`; server `connection_ack`,
 * `connection_error`, `ka`, `data`, `error`, `complete`. Only its framing is here: what an
 * operation means is the Connection's, as for graphql-ws.
 */
function serveLegacy(socket: WebSocket, req: IncomingMessage, deps: ConnectionDeps, options: TransportOptions): void {
  options.onSocket(LEGACY_PROTOCOL, 1);
  let connection: Connection | undefined;
  let opening: Promise<void> | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let expiry: { cancel(): void } | undefined;
  const operations = new Map<string, AsyncIterableIterator<ExecutionResult> | null>();
  const send = (message: Record<string, unknown>): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const initTimeout = setTimeout(() => {
    if (opening === undefined) socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
  }, options.connectionInitTimeoutMs);
  const refuse = (reason: string, code: number): void => {
    send({ type: 'connection_error', payload: { message: reason } });
    // the client reads connection_error before the close
    setTimeout(() => socket.close(code, reason), 10).unref();
  };

  const stop = (id: string): void => {
    const running = operations.get(id);
    operations.delete(id);
    void running?.return?.();
  };

  const start = async (id: string, payload: unknown): Promise<void> => {
    if (connection === undefined) {
      send({ type: 'error', id, payload: { message: 'the connection is not initialised (send connection_init first)' } });
      return;
    }
    if (operations.has(id)) stop(id);
    operations.set(id, null);
    const request = (typeof payload === 'object' && payload !== null ? payload : {}) as OperationRequest;
    let outcome: ExecutionResult | AsyncIterableIterator<ExecutionResult>;
    try {
      const prepared = connection.prepare(request);
      outcome = prepared.kind === 'errors' ? { errors: prepared.errors } : await connection.operate(prepared);
    } catch (error) {
      outcome = { errors: [toGraphqlError(error)] };
    }
    if (!operations.has(id)) {
      // stopped while it started
      if (Symbol.asyncIterator in outcome) void outcome.return?.();
      return;
    }
    if (!(Symbol.asyncIterator in outcome)) {
      operations.delete(id);
      // a refusal before anything ran (no data at all) is the protocol's `error`; an answer is `data`
      if (outcome.data === undefined && outcome.errors !== undefined) send({ type: 'error', id, payload: formatErrors(outcome.errors)[0] });
      else send({ type: 'data', id, payload: format(outcome) });
      send({ type: 'complete', id });
      return;
    }
    operations.set(id, outcome);
    for await (const result of outcome) {
      send({ type: 'data', id, payload: format(result) });
      if (socket.bufferedAmount > 0) await drained(socket);
    }
    if (operations.get(id) === outcome) {
      operations.delete(id);
      send({ type: 'complete', id });
    }
  };

  socket.on('message', (data) => {
    let message: { type?: unknown; id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(String(data)) as typeof message;
    } catch {
      socket.close(CloseCode.BadRequest, 'Invalid message received');
      return;
    }
    const id = typeof message.id === 'string' || typeof message.id === 'number' ? String(message.id) : undefined;
    switch (message.type) {
      case 'connection_init':
        if (opening !== undefined) return;
        clearTimeout(initTimeout);
        opening = Connection.open(deps, req, message.payload).then(
          (opened) => {
            if (socket.readyState !== socket.OPEN) {
              opened.close();
              return;
            }
            connection = opened;
            send({ type: 'connection_ack' });
            if (options.keepAliveMs > 0) {
              send({ type: 'ka' });
              keepAlive = setInterval(() => send({ type: 'ka' }), options.keepAliveMs);
              keepAlive.unref();
            }
            expiry = expireAt(opened, () => refuse(JWT_EXPIRED, CloseCode.Forbidden));
          },
          (error: unknown) => refuse(refusalReason(error, options.log), CloseCode.Forbidden),
        );
        return;
      case 'start':
        if (id === undefined) return;
        void (opening ?? Promise.resolve()).then(() => start(id, message.payload)).catch((error: unknown) => {
          options.log.error({ err: error }, 'a legacy WebSocket operation failed');
          send({ type: 'error', id, payload: { message: 'unexpected error' } });
        });
        return;
      case 'stop':
        if (id !== undefined) stop(id);
        return;
      case 'connection_terminate':
        socket.close(1000, 'Normal Closure');
        return;
      default:
        send({ type: 'error', id, payload: { message: `unknown message type ${JSON.stringify(message.type)}` } });
    }
  });
  socket.on('close', () => {
    connection?.close();
    clearTimeout(initTimeout);
    clearInterval(keepAlive);
    expiry?.cancel();
    for (const id of [...operations.keys()]) stop(id);
    options.onSocket(LEGACY_PROTOCOL, -1);
  });
}

/** Waits until the socket's buffer is written (a slow client holds its subscription's next result back). */
function drained(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (socket.bufferedAmount === 0 || socket.readyState !== socket.OPEN) resolve();
      else setTimeout(check, 20).unref();
    };
    check();
  });
}

function format(result: ExecutionResult): Record<string, unknown> {
  return { ...(result.data === undefined ? {} : { data: result.data }), ...(result.errors === undefined ? {} : { errors: formatErrors(result.errors) }) };
}

function formatErrors(errors: readonly GraphQLError[]): Record<string, unknown>[] {
  return errors.map((error) => (typeof error.toJSON === 'function' ? (error.toJSON() as unknown as Record<string, unknown>) : { message: error.message }));
}
