import type { AuditEntry } from './entry.js';

/** Where entries go. `write` never blocks and never throws: an audit sink must not fail a request. */
export interface AuditSink {
  write(entry: AuditEntry): void;
  /** writes whatever is buffered and releases the file or timer; call it on shutdown */
  close(): Promise<void>;
}

/** How sinks report trouble; pino's Logger fits. */
export interface AuditLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** One entry as one line of JSON (JSON.stringify never writes a raw newline). */
export function toLine(entry: AuditEntry): string {
  return `${JSON.stringify(entry)}\n`;
}
