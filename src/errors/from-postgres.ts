/**
 * Errors raised by PostgreSQL (pg's DatabaseError), described once for both protocols: each
 * surface renders them in its own dialect (GraphQL: Hasura's codes; REST: PostgREST's
 * statuses), from this one reading.
 */
export interface PostgresErrorInfo {
  readonly sqlstate: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly constraint?: string;
  /** what kind of problem the SQLSTATE class says it is */
  readonly category: 'constraint' | 'data' | 'permission' | 'raised' | 'undefined_object' | 'timeout' | 'other';
}

export function isPostgresError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code) && 'severity' in error;
}

export function describePostgresError(error: Error & { code: string }): PostgresErrorInfo {
  const fields = error as Error & { code: string; detail?: unknown; hint?: unknown; constraint?: unknown };
  const sqlstate = fields.code;
  if (isFailedCheck(sqlstate, error.message)) {
    // a written row failed a role's check (compile-write's withWrite): nothing was written
    return { sqlstate: '42501', message: 'a written row does not satisfy the permission check of the role', category: 'permission' };
  }
  return {
    sqlstate,
    message: error.message,
    ...(typeof fields.detail === 'string' ? { detail: fields.detail } : {}),
    ...(typeof fields.hint === 'string' ? { hint: fields.hint } : {}),
    ...(typeof fields.constraint === 'string' ? { constraint: fields.constraint } : {}),
    category: isPostgisInputError(sqlstate, error.message) ? 'data' : isFailedCheck(sqlstate, error.message) ? 'permission' : categoryOf(sqlstate),
  };
}

/**
 * PostGIS reports a geometry it cannot parse as XX000 (internal_error); it is bad input all
 * the same, the client's to fix, not a server fault.
 */
function isPostgisInputError(sqlstate: string, message: string): boolean {
  return sqlstate === 'XX000' && /^(parse error - invalid geometry|invalid GeoJson representation|unknown GeoJSON type|Unable to parse GeoJSON|geometry requires more points|geometry contains non-closed rings)/i.test(message);
}

function categoryOf(sqlstate: string): PostgresErrorInfo['category'] {
  if (sqlstate.startsWith('23')) return 'constraint';
  if (sqlstate.startsWith('22')) return 'data';
  if (sqlstate === '42501' || sqlstate.startsWith('28')) return 'permission';
  if (sqlstate === 'P0001') return 'raised';
  if (sqlstate === '57014' || sqlstate === '55P03') return 'timeout';
  if (sqlstate === '42P01' || sqlstate === '42703' || sqlstate === '42883') return 'undefined_object';
  return 'other';
}

/** The error compile-write raises when a written row fails a role's check (its CHECK_FAILED text). */
function isFailedCheck(sqlstate: string, message: string): boolean {
  return sqlstate === '22P02' && message.includes('"pgduet check failed: ');
}
