/** The text of `pgduet --help` and `pgduet <command> --help`. */
export const HELP: Readonly<Record<string, string>> = {
  main: `pgduet — GraphQL and REST over PostgreSQL, from one type graph.

Usage: pgduet <command> [options]

Commands:
  serve              start the server (the default command)
  introspect         write the type graph to the schema cache
  sdl                print the GraphQL schema (SDL)
  openapi            print (or write) the OpenAPI 3.1 document of a role
  config check       validate pgduet.yaml and the environment it reads
  import-hasura      turn Hasura metadata (a directory or export.json) into a pgduet.yaml
  watch install      reload running servers after every DDL (needs a superuser)
  watch uninstall    remove that event trigger
  help <command>     help for one command

Without DATABASE_URL (or database.url in pgduet.yaml) pgduet starts an embedded
PostgreSQL (PGlite) in .pgduet/data and loads a sample schema on its first run.

Common options:
  --config FILE      pgduet.yaml to read (also PGDUET_CONFIG; default ./pgduet.yaml if present)
  --database-url URL the database (also DATABASE_URL, or database.url in pgduet.yaml)
  --schemas a,b      schemas to expose (default: public)
  --version          print the version
  -h, --help         print help`,
  serve: `Usage: pgduet serve [options]

Starts the HTTP server: / (a page of links), /graphql, /graphql/sdl, /rest, /docs,
/openapi.json, /health, /ready, /metrics. The port is bound first; until the schema is
loaded /health answers 200, /ready and the APIs 503.

Options:
  --config FILE         pgduet.yaml to read (also PGDUET_CONFIG)
  --database-url URL    the database (also DATABASE_URL); without one, the embedded database
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
  --stdout          print the type graph to standard output instead of writing a file
  --source NAME     another database of the configuration (config \`sources\`)`,
  sdl: `Usage: pgduet sdl [options]

Prints the GraphQL schema pgduet serves, in SDL, to standard output.

Options:
  --config FILE         pgduet.yaml to read
  --schemas a,b         schemas to expose
  --schema-cache FILE   read the type graph from a schema cache instead of the database
  --source NAME         the schema of another database of the configuration (config
                        \`sources\`), as /graphql/<name> serves it`,
  openapi: `Usage: pgduet openapi [options]

Writes the OpenAPI 3.1 document of the REST API, as /openapi.json serves it to one role,
without starting the HTTP server.

Options:
  --role ROLE           whose view (default: auth.anonymousRole, "anonymous")
  --out FILE            write to FILE instead of standard output
  --config FILE         pgduet.yaml to read
  --database-url URL    the database (also DATABASE_URL); without one, the embedded database
  --schemas a,b         schemas to expose
  --source NAME         the document of another database of the configuration (config
                        \`sources\`), as /rest/<name>/ serves it`,
  'import-hasura': `Usage: pgduet import-hasura <metadata directory | export.json> [--out pgduet.yaml]

Reads a Hasura v2 project's metadata and prints (or writes, with --out) a pgduet.yaml: custom
table and column names, manual relationships, and every role's select/insert/update/delete
permissions. What pgduet does by itself or does not have is listed at the top, one line each.`,
  config: `Usage: pgduet config check [--config FILE]

Reads pgduet.yaml (or FILE, or PGDUET_CONFIG) with the environment variables it uses and
checks every setting. Prints "OK: …" and exits 0, or prints each mistake on its own line
(file, key path, what was expected) and exits 1. Nothing is started.`,
  watch: `Usage: pgduet watch install | watch uninstall [--config FILE]

install    creates schema "pgduet", the function pgduet.notify_schema_change() and two
           event triggers (ddl_command_end, sql_drop) that run
           NOTIFY <reload.channel>, 'reload schema' after every DDL statement.
           Event triggers need a superuser: run it as one.
uninstall  drops the event triggers, the function, and schema "pgduet" if nothing else is in it.`,
};
