import { describe, expect, it } from 'vitest';
import { Outbox, SubscriptionLimits } from '../../src/live/index.js';
import { compileMultiplexed, replacePlaceholders } from '../../src/sql/index.js';

describe('compileMultiplexed', () => {
  it('reads each placeholder from the cohort row, never inside quotes', () => {
    const text = `select json_build_object('$1', "a$2") as result from "t" where "id" = $1::"pg_catalog"."int4" and "n" = $2::"pg_catalog"."text" and "x" = $10::int4`;
    const replaced = replacePlaceholders(text, (n) => `<${n}>`);
    expect(replaced).toBe(`select json_build_object('$1', "a$2") as result from "t" where "id" = <1>::"pg_catalog"."int4" and "n" = <2>::"pg_catalog"."text" and "x" = <10>::int4`);
  });

  it('unnests one text array per parameter beside the cohort numbers, the statement LATERAL', () => {
    const sql = compileMultiplexed('select $1::int4 + $2::int4 as result', 2);
    expect(sql).toBe(
      'select "pgduet_v"."pgduet_cohort" as cohort, "pgduet_q".* from unnest($1::int4[], $2::text[], $3::text[]) as "pgduet_v"("pgduet_cohort", "p1", "p2") ' +
        'cross join lateral (select "pgduet_v"."p1"::int4 + "pgduet_v"."p2"::int4 as result) as "pgduet_q"',
    );
  });

  it('a statement without parameters still gets the cohorts', () => {
    expect(compileMultiplexed('select 1 as result', 0)).toContain('unnest($1::int4[]) as "pgduet_v"("pgduet_cohort")');
  });
});

describe('Outbox', () => {
  it('a live query keeps only the latest answer for a slow reader', async () => {
    let ended = 0;
    const box = new Outbox<number>({ latestOnly: true, maxPending: 10, onEnd: () => ended++, onOverflow: () => undefined });
    box.push(1);
    box.push(2);
    box.push(3);
    expect(await box.next()).toEqual({ value: 3, done: false });
    const waiting = box.next();
    box.push(4);
    expect(await waiting).toEqual({ value: 4, done: false });
    await box.return();
    expect(ended).toBe(1);
    expect(await box.next()).toEqual({ value: undefined, done: true });
  });

  it('a stream keeps every batch up to the bound, then overflows; end() delivers a last value', async () => {
    let overflowed = false;
    const box: Outbox<string> = new Outbox<string>({ latestOnly: false, maxPending: 2, onEnd: () => undefined, onOverflow: () => void (overflowed = true) });
    box.push('a');
    box.push('b');
    box.push('c');
    expect(overflowed).toBe(true);
    box.end('error');
    const values: string[] = [];
    for await (const v of box) values.push(v);
    expect(values).toEqual(['a', 'b', 'error']);
  });
});

describe('SubscriptionLimits', () => {
  it('bounds a role per connection and per instance, and frees slots', () => {
    const limits = new SubscriptionLimits({ maxPerConnection: 2, maxPerInstance: 3, roles: { viewer: { maxPerInstance: 1 } } });
    expect(() => limits.acquire('user', 2)).toThrow(/at most 2 subscriptions on one connection/);
    const a = limits.acquire('user', 0);
    limits.acquire('user', 1);
    limits.acquire('user', 0);
    expect(() => limits.acquire('user', 0)).toThrow(/at most 3 subscriptions on this server/);
    a();
    a();
    expect(() => limits.acquire('user', 0)).not.toThrow();
    limits.acquire('viewer', 0);
    expect(() => limits.acquire('viewer', 0)).toThrow(expect.objectContaining({ code: 'PGD405' }));
  });
});
