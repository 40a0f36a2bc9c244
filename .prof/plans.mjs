import pg from 'pg';
const c = new pg.Client('postgres://postgres@127.0.0.1:5432/pgduet_bench_rest');
await c.connect();
const text = `select coalesce(json_agg("x1".r), '[]'::json)::text as result, count(*)::int4 as page, null::int8 as total from (select json_build_object($5::"pg_catalog"."text", "t0"."customer_id", $6::"pg_catalog"."text", "t0"."first_name", $7::"pg_catalog"."text", "t0"."last_name", $8::"pg_catalog"."text", (select coalesce(json_agg("x3".r), '[]'::json) from (select json_build_object($1::"pg_catalog"."text", "t2"."rental_id", $2::"pg_catalog"."text", "t2"."rental_date", $3::"pg_catalog"."text", "t2"."inventory_id", $4::"pg_catalog"."text", "t2"."return_date") as r from "public"."rental" as "t2" where "t2"."customer_id" = "t0"."customer_id") as "x3")) as r from "public"."customer" as "t0" order by "t0"."customer_id" asc limit $9::"pg_catalog"."int8") as "x1"`;
const values = ['rental_id','rental_date','inventory_id','return_date','customer_id','first_name','last_name','rental','20'];
const base = `select coalesce(json_agg(t.r), '[]'::json)::text as body from (
  select json_build_object('customer_id', c.customer_id, 'first_name', c.first_name, 'last_name', c.last_name,
    'rental', (select coalesce(json_agg(json_build_object('rental_id', r.rental_id, 'rental_date', r.rental_date, 'inventory_id', r.inventory_id, 'return_date', r.return_date)), '[]'::json)
      from rental r where r.customer_id = c.customer_id)) as r
  from customer c order by c.customer_id limit 20) t`;
for (const mode of ['auto', 'force_generic_plan', 'force_custom_plan']) {
  await c.query(`set plan_cache_mode = ${mode}`);
  const name = 'p_' + mode;
  for (let i = 0; i < 20; i++) await c.query({ name, text, values });
  let t = process.hrtime.bigint();
  for (let i = 0; i < 300; i++) await c.query({ name, text, values });
  const ours = Number(process.hrtime.bigint() - t) / 300e6;
  const bname = 'b_' + mode;
  for (let i = 0; i < 20; i++) await c.query({ name: bname, text: base });
  t = process.hrtime.bigint();
  for (let i = 0; i < 300; i++) await c.query({ name: bname, text: base });
  const theirs = Number(process.hrtime.bigint() - t) / 300e6;
  const r = await c.query(`select name, generic_plans, custom_plans from pg_prepared_statements where name in ($1, $2)`, [name, bname]);
  console.log(mode, 'ours', ours.toFixed(3), 'ms base', theirs.toFixed(3), 'ms', JSON.stringify(r.rows));
}
await c.end();
