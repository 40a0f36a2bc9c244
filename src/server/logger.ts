import { pino, type DestinationStream, type Logger } from 'pino';
import { createFaultFilter } from './fault-filter.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** pino-pretty (default: when stdout is a terminal) */
  readonly pretty?: boolean;
  /** where the JSON lines go (default stdout); tests capture them here */
  readonly destination?: DestinationStream;
  /** the same fault is logged at most once per this many ms (default 10 s) */
  readonly faultWindowMs?: number;
}

const ERROR_LEVEL = 50;

/**
 * pino, pretty-printed on a terminal (through pino-pretty's worker thread) and one JSON line
 * per event otherwise, which is what log collectors want. Faults (error level, with `err`)
 * pass the fault filter: once per error, the same one at most once per window.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const faults = createFaultFilter(options.faultWindowMs);
  const hooks = {
    logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void, methodLevel: number): void {
      // below error (every request line): straight through, no copy of the arguments
      if (methodLevel < ERROR_LEVEL) {
        method.apply(this, args as unknown[]);
        return;
      }
      const [first, ...rest] = args as unknown[];
      if (first !== null && typeof first === 'object' && !(first instanceof Error)) {
        const admitted = faults.admit(first as Record<string, unknown>);
        if (admitted === undefined) return;
        method.apply(this, [admitted, ...rest]);
        return;
      }
      method.apply(this, args as unknown[]);
    },
  };
  const pretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  if (pretty) {
    return pino({
      level,
      hooks,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  // stdout stays synchronous: an asynchronous destination saved little per request and made
  // the exit after SIGTERM racy (a pending write at process.exit)
  return options.destination === undefined ? pino({ level, base: null, hooks }) : pino({ level, base: null, hooks }, options.destination);
}
