/**
 * The only list of pgduet error codes. Codes are `PGD` + three digits, grouped by stage
 * (STYLE.md): 0xx config/start-up, 1xx request, 2xx type graph, 3xx auth, 4xx limits,
 * 5xx database. Codes are retired, never reused: leave a retired code here as a comment.
 * `test/unit/error-codes.test.ts` keeps this list and the README's "Error codes" table in sync.
 */
export const ERROR_CODES = {
  PGD001: { status: 500, title: 'Invalid configuration' },
  PGD002: { status: 500, title: 'Database unreachable' },
  PGD003: { status: 500, title: 'Schema cache unreadable' },
  PGD004: { status: 500, title: 'Embedded database failed to start' },
  PGD101: { status: 404, title: 'Route not found' },
  PGD102: { status: 405, title: 'Method not allowed' },
  PGD103: { status: 400, title: 'Invalid request' },
  PGD104: { status: 400, title: 'Not supported' },
  PGD599: { status: 500, title: 'Unexpected error' },
} as const satisfies Record<string, { readonly status: number; readonly title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
