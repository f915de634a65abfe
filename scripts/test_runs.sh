#!/usr/bin/env bash
# The pytest half of `make test`, with branch coverage of src/attune and its floor.
#
# DATABASE_URL unset or SQLite: one run, every test, on SQLite.
# DATABASE_URL on PostgreSQL (CI): two runs side by side (issue 15, "the browser tests once, on
# SQLite; the PostgreSQL run for the rest"):
#   - on SQLite: the browser tests, tests/browser (their data snapshots use SQLite's online
#     backup; named by folder, so neither run collects the other's files), without
#     coverage: what they reach the other tests reach too (with them 96.6 % of src/attune, without
#     them 96.5 %, 2026-11-29), and they keep the CPU their timeouts need; on one worker
#     (BROWSER_WORKERS), since the run beside it keeps the other core busy: a second worker only
#     builds again what the first builds for its first test (a Chromium, the demo, the outcome
#     pages' practices): 135 and 141 machine CPU-s alone instead of 143 and 163 (2026-11-30);
#   - on PostgreSQL, at nice 10: every other test, the pure core's included (it touches no
#     database), with coverage. Its own var folder and Redis database, its output printed when
#     it is done.
#
# PYTEST_WORKERS: pytest-xdist options (Makefile); BROWSER_WORKERS: the browser run's, beside
# the PostgreSQL run (-n 1). COVERAGE=0: no coverage (faster by about half).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
read -r -a workers <<<"${PYTEST_WORKERS--n auto --dist loadfile --no-loadscope-reorder}"
read -r -a browser_workers <<<"${BROWSER_WORKERS--n 1}"
measure=()
[ "${COVERAGE:-1}" = 0 ] || measure=(--cov --cov-report= --cov-fail-under=0)

report() {  # report DATA_FILE: the coverage report of a run, failing under the floor
  if [ "${COVERAGE:-1}" = 0 ]; then
    echo "coverage: not measured (COVERAGE=0); make test measures it"
    return 0
  fi
  "$BIN/coverage" combine -q "$@"
  "$BIN/coverage" report
}

if [[ "${DATABASE_URL:-}" != postgres* ]]; then
  COVERAGE_FILE=.coverage.all "$BIN/pytest" "${workers[@]}" "${measure[@]}"
  report .coverage.all
  exit 0
fi

status=0
log="$(mktemp)"
var="$(mktemp -d)"
trap 'rm -rf "$log" "$var"' EXIT
(
  renice -n 10 -p "$BASHPID" >/dev/null
  COVERAGE_FILE=.coverage.postgresql ATTUNE_VAR_DIR="$var" \
    ATTUNE_TEST_REDIS_URL="redis://127.0.0.1:6379/14" \
    exec "$BIN/pytest" "${workers[@]}" "${measure[@]}" --ignore=tests/browser
) >"$log" 2>&1 &
postgresql=$!

echo "== pytest on SQLite: the browser tests"
env -u DATABASE_URL "$BIN/pytest" "${browser_workers[@]}" tests/browser || status=1
echo "== pytest on PostgreSQL: every other test (run beside the above)"
wait "$postgresql" || status=1
cat "$log"
[ "$status" = 0 ] || exit 1
report .coverage.postgresql
