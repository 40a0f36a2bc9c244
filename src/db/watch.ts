import type { Queryable } from '../introspection/index.js';

/**
 * `pgduet watch install`: an event trigger that sends `NOTIFY <channel>, 'reload schema'`
 * after every DDL command, so running servers reload without being told. Event triggers
 * can only be created by a superuser; the README says so.
 *
 * The channel name goes through PostgreSQL's own `format('%L')`, so it is quoted by the
 * server, not by string concatenation here.
 */
const FUNCTION_TEMPLATE = `
create or replace function pgduet.notify_schema_change() returns event_trigger
language plpgsql as $body$
begin
  -- Temporary objects and REFRESH MATERIALIZED VIEW do not change the API; an application
  -- doing them all the time must not keep the servers reloading.
  if tg_event = 'sql_drop' then
    if not exists (select 1 from pg_event_trigger_dropped_objects() where not is_temporary) then
      return;
    end if;
  elsif not exists (
    select 1 from pg_event_trigger_ddl_commands()
    where command_tag <> 'REFRESH MATERIALIZED VIEW'
      and coalesce(schema_name, '') not like 'pg\\_temp%%'
  ) then
    return;
  end if;
  perform pg_notify(%L, 'reload schema');
end
$body$`;

/** `begin`…`commit` need one connection: pass a client, not a pool. */
export async function installWatch(db: Queryable, channel: string): Promise<void> {
  await db.query('begin');
  try {
    await db.query('create schema if not exists pgduet');
    await db.query("comment on schema pgduet is 'pgduet internals (schema watch); not exposed'");
    const { rows } = await db.query<{ ddl: string }>('select format($1, $2::text) as ddl', [FUNCTION_TEMPLATE, channel]);
    await db.query(rows[0]?.ddl ?? '');
    await db.query('drop event trigger if exists pgduet_watch_ddl');
    await db.query('drop event trigger if exists pgduet_watch_drop');
    await db.query('create event trigger pgduet_watch_ddl on ddl_command_end execute function pgduet.notify_schema_change()');
    await db.query('create event trigger pgduet_watch_drop on sql_drop execute function pgduet.notify_schema_change()');
    await db.query('commit');
  } catch (error) {
    await db.query('rollback');
    throw error;
  }
}

export async function uninstallWatch(db: Queryable): Promise<void> {
  await db.query('drop event trigger if exists pgduet_watch_ddl');
  await db.query('drop event trigger if exists pgduet_watch_drop');
  await db.query('drop function if exists pgduet.notify_schema_change()');
  // RESTRICT: the schema goes only if nothing else was put in it
  await db.query('drop schema if exists pgduet restrict');
}
