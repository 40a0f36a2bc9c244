#!/usr/bin/env bash
# The replica: on first start, a copy of the primary (pg_basebackup -R writes standby.signal
# and primary_conninfo), then the official image's entrypoint runs it as a hot standby.
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -p 5432 >/dev/null 2>&1; do
    echo "waiting for $PRIMARY_HOST"
    sleep 1
  done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres pg_basebackup \
    -h "$PRIMARY_HOST" -p 5432 -U replicator -D "$PGDATA" \
    --write-recovery-conf --wal-method=stream --checkpoint=fast \
    --create-slot --slot=replica1
  # the password for the standby's own connection to the primary
  echo "primary_conninfo = 'host=$PRIMARY_HOST port=5432 user=replicator password=$REPLICATION_PASSWORD application_name=replica1'" >> "$PGDATA/postgresql.auto.conf"
fi
exec docker-entrypoint.sh postgres -c hot_standby=on
