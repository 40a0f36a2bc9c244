import { expect } from 'vitest';
import { PgduetError } from '../../src/errors/index.js';
import type { PostgrestCode } from '../../src/errors/index.js';

/** The HTTP status PostgREST gives each code the parsers may raise (its Error.hs). */
export const PARSE_STATUS: Partial<Record<PostgrestCode, number>> = { PGRST100: 400, PGRST103: 416, PGRST107: 406 };

/** Runs `run`, which must throw a PgduetError, and returns that error. */
export function errorOf(run: () => unknown): PgduetError {
  try {
    run();
  } catch (error) {
    if (error instanceof PgduetError) return error;
    throw error;
  }
  throw new Error('expected a PgduetError, got a result');
}

/** Asserts a parse error: its PostgREST code, its message, and (part of) its details. */
export function expectError(
  run: () => unknown,
  message: string,
  details?: string | RegExp,
  postgrest: PostgrestCode = 'PGRST100',
): void {
  const error = errorOf(run);
  expect(error.postgrest).toBe(postgrest);
  expect(error.message).toBe(message);
  if (typeof details === 'string') expect(error.details).toContain(details);
  else if (details !== undefined) expect(error.details).toMatch(details);
}
