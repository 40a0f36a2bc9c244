import { describe, expect, it } from 'vitest';
import { databaseTrouble, isUnexpected, toGraphqlError, toRestError } from '../../src/errors/index.js';

/** What node-postgres throws when the database is away or the pool is full, as each protocol renders it. */

const withCode = (message: string, code: string, severity?: string): Error => Object.assign(new Error(message), { code, ...(severity === undefined ? {} : { severity }) });

describe('a database in trouble', () => {
  const refused = withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
  const lost = new Error('Connection terminated unexpectedly');
  const shutdown = withCode('terminating connection due to administrator command', '57P01', 'FATAL');
  const starting = withCode('the database system is starting up', '57P03', 'FATAL');
  const poolFull = new Error('timeout exceeded when trying to connect');

  it('tells unavailable from busy, and leaves everything else alone', () => {
    expect([refused, lost, shutdown, starting].map(databaseTrouble)).toEqual(['unavailable', 'unavailable', 'unavailable', 'unavailable']);
    // a database dropped or renamed while served: refused at connect
    expect(databaseTrouble(withCode('database "archive" does not exist', '3D000', 'FATAL'))).toBe('unavailable');
    // localhost over IPv6 and IPv4, both refused
    expect(databaseTrouble(new AggregateError([refused, withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]))).toBe('unavailable');
    expect(databaseTrouble(poolFull)).toBe('busy');
    expect(databaseTrouble(withCode('duplicate key value violates unique constraint "x"', '23505', 'ERROR'))).toBeUndefined();
    expect(databaseTrouble(withCode('canceling statement due to statement timeout', '57014', 'ERROR'))).toBeUndefined();
    expect(databaseTrouble(new TypeError('x is undefined'))).toBeUndefined();
    // a code that only looks like a SQLSTATE, on something that is not a PostgreSQL error
    expect(databaseTrouble(withCode('nope', '08006'))).toBeUndefined();
  });

  it('REST: 503 with PostgREST codes and Retry-After, not a bug', () => {
    expect(toRestError(refused)).toEqual({
      status: 503,
      body: { code: 'PGRST001', message: 'Database client error. Retrying the connection.', details: 'connect ECONNREFUSED 127.0.0.1:5432', hint: null },
      unexpected: false,
      headers: { 'Retry-After': '1' },
    });
    expect(toRestError(poolFull)).toMatchObject({ status: 503, body: { code: 'PGRST003', message: 'Timed out acquiring connection from connection pool.' }, unexpected: false, headers: { 'Retry-After': '1' } });
  });

  it('GraphQL: stable codes, not unexpected, and no log line per request', () => {
    expect(toGraphqlError(lost).extensions['code']).toBe('database-unavailable');
    expect(toGraphqlError(poolFull).extensions['code']).toBe('database-busy');
    expect(toGraphqlError(withCode('canceling statement due to statement timeout', '57014', 'ERROR')).extensions['code']).toBe('timeout');
    expect([refused, lost, poolFull].map(isUnexpected)).toEqual([false, false, false]);
  });
});
