#!/usr/bin/env bash
# Benchmarks of the incident record (issue 4's numbers), on SQLite and PostgreSQL.
#
#   bench/incident.sh [APPENDS] [EVENTS] [LOAD_MS]   default: 2000 appends, 100000 events, 300 ms
#
# 1. Append throughput with durable commits, side by side in one run on the
#    same database: Interlock's append (check the rules, encode, chain, fold,
#    store with the expected sequence number, one commit per event) against a
#    bare INSERT of the same bytes, one commit per row, with the same settings
#    (SQLite WAL + synchronous=FULL; PostgreSQL's default fsync). Interleaved
#    rounds; fails when Interlock reaches less than half the bare rate.
# 2. Loading an incident of EVENTS events: read every row, verify the hash
#    chain, decode and fold; best of 5. Fails over LOAD_MS (the issue's budget, 300 ms, by default).
#
# PostgreSQL is used when INTERLOCK_TEST_POSTGRES_URL is set (a scratch database
# is created and dropped); otherwise that half is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
appends=${1:-2000}
events=${2:-100000}
load_ms=${3:-300}

cargo build --release -q -p interlock
bin=${CARGO_TARGET_DIR:-target}/release/interlock
work=$(mktemp -d)
db=""
cleanup() {
  rm -rf "$work"
  if [ -n "$db" ]; then psql -q "$INTERLOCK_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true; fi
}
trap cleanup EXIT

export INTERLOCK_SITE=sites/riverbend INTERLOCK_USER=mgarcia
unset INTERLOCK_DATABASE_URL

echo "== SQLite ($work/sqlite/interlock.db)"
"$bin" incident bench-append --data "$work/sqlite" --events "$appends" --rounds 4 --budget 0.5
"$bin" incident bench-load --data "$work/sqlite" --events "$events" --rounds 5 --budget "$load_ms"

if [ -n "${INTERLOCK_TEST_POSTGRES_URL:-}" ]; then
  db="interlock_bench_$$"
  psql -q "$INTERLOCK_TEST_POSTGRES_URL" -c "CREATE DATABASE $db" >/dev/null
  url="${INTERLOCK_TEST_POSTGRES_URL%/*}/$db"
  echo "== PostgreSQL ($(psql -At "$INTERLOCK_TEST_POSTGRES_URL" -c 'SHOW server_version'), database $db, synchronous_commit=$(psql -At "$INTERLOCK_TEST_POSTGRES_URL" -c 'SHOW synchronous_commit'))"
  "$bin" incident bench-append --database-url "$url" --events "$appends" --rounds 4 --budget 0.5
  "$bin" incident bench-load --database-url "$url" --events "$events" --rounds 5 --budget "$load_ms"
else
  echo "== PostgreSQL: SKIPPED (set INTERLOCK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres)"
fi
