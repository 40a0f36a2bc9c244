import { toLine, type AuditSink } from './sink.js';

/** Something lines can be written to: `process.stdout` by default. */
export interface LineWriter {
  write(chunk: string): unknown;
}

/** One line per entry on stdout (or another writer); closing leaves the writer open. */
export function stdoutSink(out: LineWriter = process.stdout): AuditSink {
  return {
    write(entry) {
      out.write(toLine(entry));
    },
    close() {
      return Promise.resolve();
    },
  };
}
