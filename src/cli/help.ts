/** The text of `pgduet --help` and `pgduet <command> --help`. */
export const HELP: Readonly<Record<string, string>> = {
  main: `pgduet — GraphQL and REST over PostgreSQL, from one type graph.

Usage: pgduet <command> [options]

Commands:
  serve              start the server (the default command)
  introspect         write the type graph to the schema cache
  sdl                print the GraphQL schema (SDL)
  watch install      reload running servers after every DDL (needs a superuser)
  watch uninstall    remove that event trigger
  help <command>     help for one command

Without DATABASE_URL (or database.url in pgduet.yaml) pgduet starts an embedded
PostgreSQL (PGlite) in .pgduet/data and loads a sample schema on its first run.

Common options:
  --config FILE      pgduet.yaml to read (also PGDUET_CONFIG; default ./pgduet.yaml if present)
  --schemas a,b      schemas to expose (default: public)
  --version          print the version
  -h, --help         print help`,
  serve: `Usage: pgduet serve [options]

Starts the HTTP server: /graphql, /rest, /health, /ready, /metrics.

Options:
  --config FILE         pgduet.yaml to read (also PGDUET_CONFIG)
  --port N              port to listen on (also PORT; default 4000; 0 picks a free one)
  --host ADDR           address to bind (also HOST; default 127.0.0.1)
  --schemas a,b         schemas to expose (also PGDUET_SCHEMAS; default public)
  --schema-cache FILE   start from a schema cache written by "pgduet introspect",
                        without running the catalog query
  --memory              embedded database only: keep it in memory (throwaway)
  --data-dir DIR        embedded database only: where its files live (default .pgduet/data)
  --log-level LEVEL     fatal|error|warn|info|debug|trace|silent (also PGDUET_LOG_LEVEL)

Signals: SIGTERM/SIGINT drain in-flight requests and exit; SIGUSR1 reloads the schema.
\`NOTIFY pgduet, 'reload schema'\` in the database reloads it too.`,
  introspect: `Usage: pgduet introspect [options]

Runs the catalog query once and writes the type graph to
<schema-cache dir>/<fingerprint>.json (default dir: schema-cache/). The fingerprint
changes whenever the catalog changes. Start from it with "pgduet serve --schema-cache FILE".

Options:
  --config FILE     pgduet.yaml to read
  --schemas a,b     schemas to expose
  --out DIR         directory to write to (default: schemaCache.dir, "schema-cache")
  --stdout          print the type graph to standard output instead of writing a file`,
  sdl: `Usage: pgduet sdl [options]

Prints the GraphQL schema pgduet serves, in SDL, to standard output.

Options:
  --config FILE         pgduet.yaml to read
  --schemas a,b         schemas to expose
  --schema-cache FILE   read the type graph from a schema cache instead of the database`,
  watch: `Usage: pgduet watch install | watch uninstall [--config FILE]

install    creates schema "pgduet", the function pgduet.notify_schema_change() and two
           event triggers (ddl_command_end, sql_drop) that run
           NOTIFY <reload.channel>, 'reload schema' after every DDL statement.
           Event triggers need a superuser: run it as one.
uninstall  drops the event triggers, the function, and schema "pgduet" if nothing else is in it.`,
};
