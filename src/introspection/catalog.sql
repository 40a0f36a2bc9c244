-- pgduet catalog query: everything the type graph needs from the exposed schemas, as JSON, in
-- one round trip: rows (section, body), each body a JSON array of part of a section (`meta`:
-- the server version and the schemas). $1 is the text[] of exposed schemas.
--
-- Rows keep pg_catalog's names (relkind, contype, provolatile …); model/ gives them meaning.
-- Every array is ordered so the same catalog always yields the same text (the fingerprint
-- is a hash of that text). Objects owned by extensions are left out: they are not the
-- user's API. Partitions are left out too: clients use their partitioned parent.
with recursive
exposed as (
  select n.oid, n.nspname
  from pg_namespace n
  where n.nspname = any ($1::text[])
),
-- Objects owned by an extension, and functions PostgreSQL made for a type (range and
-- multirange constructors depend on their type "internally"): neither is the user's API.
hidden_objects as (
  select d.objid, d.classid
  from pg_depend d
  where d.deptype = 'e'
     or (d.deptype = 'i' and d.classid = 'pg_proc'::regclass and d.refclassid = 'pg_type'::regclass)
),
-- pg_relation_is_updatable raises ("foreign-data wrapper … has no handler") for a foreign
-- table whose wrapper has no handler, and for any view built on one, at any depth; that
-- used to fail the whole introspection. Such relations cannot be written through anyway.
unwritable (oid) as (
  select ft.ftrelid
  from pg_foreign_table ft
  join pg_foreign_server s on s.oid = ft.ftserver
  join pg_foreign_data_wrapper w on w.oid = s.srvfdw
  where w.fdwhandler = 0
  union
  select rw.ev_class
  from unwritable u
  join pg_depend d on d.refclassid = 'pg_class'::regclass and d.refobjid = u.oid and d.classid = 'pg_rewrite'::regclass
  join pg_rewrite rw on rw.oid = d.objid
  where rw.ev_class <> u.oid
),
-- A view's columns that are a base table's column as they are (PostgREST reads them from the
-- view's query tree: each target entry's resorigtbl and resorigcol), so that the base tables'
-- foreign keys hold for the view too; the last entry of a position is the outer query's.
-- All views at once, grouped: as a correlated subquery per view it took ~4 ms a view on a
-- new connection (~0.9 s for 200 views), this way ~0.1 s.
view_column_origins as (
  select distinct on (x.relid, x.m[1]::int) x.relid, x.m[1]::int as attnum, x.m[3]::oid as tbl, x.m[4]::int as col
  from (
    select rw.ev_class as relid, m, ord
    from pg_rewrite rw
    join pg_class c on c.oid = rw.ev_class and c.relkind in ('v', 'm')
    join exposed n on n.oid = c.relnamespace
    cross join lateral regexp_matches(rw.ev_action::text, ':resno (\d+) :resname (\S+) :ressortgroupref \d+ :resorigtbl (\d+) :resorigcol (\d+) :resjunk false', 'g') with ordinality as x(m, ord)
    where rw.rulename = '_RETURN'
    offset 0 -- a fence: the planner otherwise runs the regexp once per attribute of the view
  ) x
  where exists (select 1 from pg_attribute a where a.attrelid = x.relid and a.attnum = x.m[1]::int and a.attname = x.m[2])
  order by x.relid, x.m[1]::int, x.ord desc
),
view_columns as (
  select o.relid, json_agg(json_build_object('attnum', o.attnum, 'table_oid', o.tbl, 'table_attnum', o.col) order by o.attnum) as columns
  from view_column_origins o
  where o.tbl <> 0
  group by o.relid
),
rels as (
  select
    c.oid,
    n.nspname as schema,
    c.relname as name,
    c.relkind::text as relkind,
    c.reltype as type_oid,
    dsc.description as comment,
    -- pg_relation_is_updatable: bit 8 insert, 4 update, 16 delete; counts INSTEAD OF
    -- triggers and rules, so an updatable view reports what it really accepts.
    case
      when c.relkind in ('v', 'f') and c.oid in (select oid from unwritable) then 0
      when c.relkind in ('v', 'f') then pg_relation_is_updatable(c.oid, true)
    end as updatable_mask,
    vc.columns as view_columns
  from pg_class c
  join exposed n on n.oid = c.relnamespace
  left join pg_description dsc on dsc.objoid = c.oid and dsc.classoid = 'pg_class'::regclass and dsc.objsubid = 0
  left join view_columns vc on vc.relid = c.oid
  where c.relkind in ('r', 'p', 'v', 'm', 'f')
    and not c.relispartition
    and not exists (
      select 1 from hidden_objects e
      where e.objid = c.oid and e.classid = 'pg_class'::regclass
    )
),
cols as (
  select
    a.attrelid as relid,
    a.attnum,
    a.attname as name,
    a.atttypid as type_oid,
    a.atttypmod as typmod,
    a.attnotnull as not_null,
    a.atthasdef as has_default,
    -- a generated column's "default" is its generation expression, not a default
    -- relid 0: a default cannot refer to a column, and deparsing without the relation's
    -- column list is ~5x faster on large catalogs
    case when a.atthasdef and a.attgenerated = '' then pg_get_expr(ad.adbin, 0) end as default_expr,
    a.attidentity::text as identity,
    a.attgenerated::text as generated,
    dsc.description as comment
  from pg_attribute a
  join rels r on r.oid = a.attrelid
  left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
  left join pg_description dsc on dsc.objoid = a.attrelid and dsc.classoid = 'pg_class'::regclass and dsc.objsubid = a.attnum
  where a.attnum > 0 and not a.attisdropped
),
cons as (
  select
    co.oid,
    co.conname as name,
    co.conrelid as relid,
    co.contype::text as contype,
    co.conkey as columns,
    nullif(co.confrelid, 0) as foreign_relid,
    co.confkey as foreign_columns,
    case when co.contype = 'c' then pg_get_constraintdef(co.oid, true) end as definition,
    dsc.description as comment
  from pg_constraint co
  join rels r on r.oid = co.conrelid
  left join pg_description dsc on dsc.objoid = co.oid and dsc.classoid = 'pg_constraint'::regclass and dsc.objsubid = 0
  where co.contype in ('p', 'u', 'f', 'c')
),
funcs as (
  select
    p.oid,
    n.nspname as schema,
    p.proname as name,
    p.prokind::text as prokind,
    p.proargnames as arg_names,
    coalesce(p.proallargtypes, p.proargtypes::oid[]) as arg_types,
    p.proargmodes::text[] as arg_modes,
    p.pronargs as num_in_args,
    p.pronargdefaults as num_defaults,
    p.provariadic as variadic_type_oid,
    p.prorettype as return_type_oid,
    p.proretset as returns_set,
    p.provolatile::text as volatility,
    p.proisstrict as strict,
    p.prosecdef as security_definer,
    l.lanname as language,
    obj_description(p.oid, 'pg_proc') as comment
  from pg_proc p
  join exposed n on n.oid = p.pronamespace
  join pg_language l on l.oid = p.prolang
  where p.prokind in ('f', 'p')
    and not exists (
      select 1 from hidden_objects e
      where e.objid = p.oid and e.classid = 'pg_proc'::regclass
    )
),
-- Every type a column or a function signature mentions, and, recursively, the types
-- those are built from (array element, domain base, range subtype, composite attributes).
used_types (oid) as (
  select type_oid from cols
  union
  select unnest(arg_types) from funcs
  union
  select return_type_oid from funcs
  union
  -- Standalone enums, domains, ranges and composite types of the exposed schemas, even
  -- when nothing uses them yet. (A table's own row type is described by its columns.)
  select t.oid from pg_type t join exposed n on n.oid = t.typnamespace
  where (t.typtype in ('e', 'd', 'r')
     or (t.typtype = 'c' and exists (select 1 from pg_class c where c.oid = t.typrelid and c.relkind = 'c')))
    and not exists (select 1 from hidden_objects e where e.objid = t.oid and e.classid = 'pg_type'::regclass)
),
all_types (oid) as (
  select oid from used_types
  union
  -- each step looks up only the types just found (joined first, the planner walked every
  -- pg_type row and every table's attributes: ~0.3 s at 10,000 tables)
  select dep.oid
  from all_types at
  cross join lateral (
    select t.typelem from pg_type t where t.oid = at.oid and t.typcategory = 'A' and t.typelem <> 0
    union all select t.typbasetype from pg_type t where t.oid = at.oid and t.typtype = 'd'
    union all select r.rngsubtype from pg_range r where r.rngtypid = at.oid
    union all
      select a.atttypid from pg_type t join pg_attribute a on a.attrelid = t.typrelid
      where t.oid = at.oid and t.typtype = 'c' and a.attnum > 0 and not a.attisdropped
  ) as dep(oid)
),
types as (
  select
    t.oid,
    n.nspname as schema,
    t.typname as name,
    t.typtype::text as typtype,
    t.typcategory::text as category,
    case when t.typcategory = 'A' then nullif(t.typelem, 0) end as element_oid,
    nullif(t.typbasetype, 0) as base_oid,
    t.typnotnull as domain_not_null,
    nullif(t.typrelid, 0) as relid,
    (select rngsubtype from pg_range r where r.rngtypid = t.oid) as range_subtype_oid,
    case when t.typtype = 'e' then
      (select array_agg(e.enumlabel order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid)
    end as enum_values,
    case when t.typtype = 'c' and t.typrelid not in (select oid from rels) then
      (select json_agg(json_build_object('name', a.attname, 'type_oid', a.atttypid, 'not_null', a.attnotnull) order by a.attnum)
       from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped)
    end as attributes,
    obj_description(t.oid, 'pg_type') as comment
  from pg_type t
  join pg_namespace n on n.oid = t.typnamespace
  where t.oid in (select oid from all_types)
),
-- The answer in parts of at most 1,000 objects each, in order: one JSON text of 25 MB (10,000
-- tables) made the driver grow its receive buffer by doubling, ~64 MB of buffers at the peak.
parts (ord, section, chunk, body) as (
  select 0, 'meta', 0::bigint, json_build_object(
    'server_version_num', current_setting('server_version_num')::int,
    -- in the order the config lists them: "the first exposed schema that has it" means that order
    'schemas', (
      select coalesce(json_agg(u.name order by u.ord), '[]')
      from unnest($1::text[]) with ordinality as u(name, ord)
      where u.name in (select nspname from exposed)
    )
  )
  union all
  select 1, 'relations', (n - 1) / 1000, json_agg(j order by n)
  from (select to_json(r) as j, row_number() over (order by r.schema, r.name) as n from rels r) x group by (n - 1) / 1000
  union all
  select 2, 'columns', (n - 1) / 1000, json_agg(j order by n)
  from (select to_json(c) as j, row_number() over (order by c.relid, c.attnum) as n from cols c) x group by (n - 1) / 1000
  union all
  select 3, 'constraints', (n - 1) / 1000, json_agg(j order by n)
  from (select to_json(k) as j, row_number() over (order by k.relid, k.name) as n from cons k) x group by (n - 1) / 1000
  union all
  select 4, 'functions', (n - 1) / 1000, json_agg(j order by n)
  from (select to_json(f) as j, row_number() over (order by f.schema, f.name, f.oid) as n from funcs f) x group by (n - 1) / 1000
  union all
  select 5, 'types', (n - 1) / 1000, json_agg(j order by n)
  from (select to_json(t) as j, row_number() over (order by t.oid) as n from types t) x group by (n - 1) / 1000
)
select section, body::text as body from parts order by ord, chunk
