import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * pino, pretty-printed on a terminal (through pino-pretty's worker thread) and one JSON line
 * per event otherwise, which is what log collectors want.
 */
export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, base: null });
}
