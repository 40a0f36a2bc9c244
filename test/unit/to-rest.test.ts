import { describe, expect, it } from 'vitest';
import { toRestError } from '../../src/errors/index.js';

/** PostgreSQL errors rendered as PostgREST renders them — without what the caller may not see. */

function pgError(code: string, message: string, detail?: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR', ...(detail === undefined ? {} : { detail }) });
}

describe('toRestError', () => {
  it('leaves out "Failing row contains (…)": it lists every column, hidden ones too', () => {
    const check = toRestError(pgError('23514', 'new row for relation "users" violates check constraint "name_not_empty"', 'Failing row contains (7, , secret-hash).'));
    expect(check).toMatchObject({ status: 400, body: { code: '23514', details: null } });
    const notNull = toRestError(pgError('23502', 'null value in column "name" violates not-null constraint', 'Failing row contains (7, null, secret-hash).'));
    expect(notNull.body.details).toBeNull();
  });

  it('keeps the key of a unique or foreign key violation, as PostgREST does', () => {
    expect(toRestError(pgError('23505', 'duplicate key value violates unique constraint "users_pkey"', 'Key (id)=(7) already exists.'))).toMatchObject({ status: 409, body: { details: 'Key (id)=(7) already exists.' } });
    expect(toRestError(pgError('23503', 'insert or update violates foreign key constraint', 'Key (team_id)=(9) is not present in table "team".'))).toMatchObject({ status: 409 });
  });

  it('maps statuses as PostgREST, with a statement timeout as 504 and a too complex statement as 400', () => {
    expect(toRestError(pgError('57014', 'canceling statement due to statement timeout')).status).toBe(504);
    expect(toRestError(pgError('54001', 'stack depth limit exceeded')).status).toBe(400);
    expect(toRestError(pgError('42501', 'permission denied for table x')).status).toBe(401);
    expect(toRestError(pgError('42501', 'permission denied for table x'), true).status).toBe(403);
  });
});
