import { closeSync, createWriteStream, openSync } from 'node:fs';
import { toLine, type AuditLogger, type AuditSink } from './sink.js';

/**
 * Appends one line per entry to a file. The file is opened once at start-up, synchronously, so
 * that a wrong path is a start-up error rather than entries silently lost; then a write stream
 * (flags 'a': every write lands at the end, even after logrotate's copytruncate) buffers the
 * lines. A write error later is logged once and the entries after it are counted as dropped.
 */
export function fileSink(path: string, logger?: AuditLogger): AuditSink {
  closeSync(openSync(path, 'a'));
  const stream = createWriteStream(path, { flags: 'a' });
  let failed = false;
  let dropped = 0;
  stream.on('error', (error: Error) => {
    if (!failed) logger?.error({ err: error, path }, 'the audit log file cannot be written; entries are dropped');
    failed = true;
  });
  return {
    write(entry) {
      if (failed) dropped += 1;
      else stream.write(toLine(entry));
    },
    close() {
      return new Promise<void>((resolve) => {
        if (dropped > 0) logger?.error({ path, dropped }, 'audit entries were dropped');
        if (failed || stream.closed) {
          stream.destroy();
          resolve();
          return;
        }
        // resolves once every buffered line is flushed to the file and it is closed
        stream.once('close', () => resolve());
        stream.end();
      });
    },
  };
}
