/**
 * Keeps a fault from flooding the log. A fault (a log call at error level or above that
 * carries an `err`) is written once per error object — the same error reported by two layers
 * is one line — and the same fault (error class, code and message) at most once per window;
 * the next line written for it says how many were left out meanwhile (`suppressed`).
 * A lost database used to write a stack trace per request: megabytes in seconds.
 */
export interface FaultFilter {
  /** the fields to log the fault with (with `suppressed` when some were left out), or undefined to drop it */
  admit(fields: Record<string, unknown>): Record<string, unknown> | undefined;
}

const MAX_KEYS = 1000;

export function createFaultFilter(windowMs = 10_000, now: () => number = Date.now): FaultFilter {
  const logged = new WeakSet<object>();
  const recent = new Map<string, { until: number; suppressed: number }>();
  return {
    admit(fields) {
      const err = fields['err'];
      if (!(err instanceof Error)) return fields;
      const root = rootOf(err);
      if (logged.has(root)) return undefined;
      logged.add(root);
      const key = `${root.name}\u0000${String((root as { code?: unknown }).code ?? '')}\u0000${root.message}`;
      const time = now();
      const entry = recent.get(key);
      if (entry !== undefined && time < entry.until) {
        entry.suppressed++;
        return undefined;
      }
      if (recent.size >= MAX_KEYS) {
        for (const [k, e] of recent) if (e.until <= time) recent.delete(k);
        if (recent.size >= MAX_KEYS) recent.clear();
      }
      recent.set(key, { until: time + windowMs, suppressed: 0 });
      return entry !== undefined && entry.suppressed > 0 ? { ...fields, suppressed: entry.suppressed } : fields;
    },
  };
}

/** GraphQL wraps a resolver's error (`originalError`): the fault is the wrapped one. */
function rootOf(error: Error): Error {
  const original = (error as { originalError?: unknown }).originalError;
  return original instanceof Error ? original : error;
}
