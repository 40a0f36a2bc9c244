import { describe, expect, it } from 'vitest';
import { PgduetError } from '../../src/errors/index.js';
import { RoleConcurrency } from '../../src/server/role-concurrency.js';

describe('requests of one role at once (database.concurrency)', () => {
  it('a role over its cap waits for a turn, which goes to the first waiter', async () => {
    const caps = new RoleConcurrency({ roles: { batch: 2 } }, 1000);
    const first = await caps.admit('batch');
    await caps.admit('batch');
    const order: string[] = [];
    const third = caps.admit('batch').then((release) => (order.push('third'), release));
    const fourth = caps.admit('batch').then((release) => (order.push('fourth'), release));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    first();
    first(); // giving a turn back twice gives back one turn
    await third;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['third']);
    (await third)();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
  });

  it('past the wait: 503 PGRST003 with Retry-After; other roles are not held', async () => {
    const caps = new RoleConcurrency({ default: 5, roles: { batch: 1 } }, 50);
    await caps.admit('batch');
    const refused = await caps.admit('batch').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PgduetError);
    expect(refused).toMatchObject({ code: 'PGD502', status: 503, postgrest: 'PGRST003', headers: { 'Retry-After': '1' } });
    for (let i = 0; i < 5; i++) await caps.admit('web');
    await expect(caps.admit('web')).rejects.toMatchObject({ code: 'PGD502' });
    // a role without a cap (no default) is never held
    const open = new RoleConcurrency({ roles: { batch: 1 } }, 50);
    for (let i = 0; i < 100; i++) await open.admit('anyone');
  });
});
