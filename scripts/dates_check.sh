#!/usr/bin/env bash
# The tests that read the demo, with the clock set to other dates: the demo is built on the day
# it is loaded (`attune demo`, the tests' `demo_practice` and `loaded_demo`), so each day shows a
# different practice, and a test that holds today may fail next week without any commit. Found
# this way (2026-11-30, docs/decisions.md): the episode page over 5,000 px from 1 December, and a
# demo test pinned to one date that went red from 12 December.
#
#   bash scripts/dates_check.sh                          # the next 7 days and 1 January, 10:00 UTC
#   bash scripts/dates_check.sh 2027-03-01 2027-06-15    # these dates
#   DATES_TIME=23:30:00 bash scripts/dates_check.sh      # late evening (already tomorrow in Berlin)
#
# Needs libfaketime (Debian's `faketime` package) and the browser tests' Chromium; not part of CI
# (about two minutes a date). The server side runs under libfaketime; Chromium keeps the real
# clock (tests/browser/conftest.py, browser_env). Any test that sleeps fails under libfaketime
# (EINVAL): tests/browser/test_mfa.py is left out for that.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "dates check: install libfaketime (apt-get install faketime)" >&2; exit 2; }

dates=("$@")
if [ "${#dates[@]}" = 0 ]; then
  for days in 1 2 3 4 5 6 7; do dates+=("$(date -u -d "+$days days" +%F)"); done
  dates+=("$(date -u -d "+1 year" +%Y)-01-01")
fi
# The tests that load the demo: the browser files that use it and the modules that build it.
mapfile -t files < <(
  grep -l -E "\bdemo\b|loaded_demo" tests/browser/test_*.py | grep -v test_mfa.py
  grep -l -E "load_demo|demo_practice" tests/test_*.py
)

failed=()
for day in "${dates[@]}"; do
  echo "== $day ${DATES_TIME:-10:00:00} UTC"
  if ! env -u DATABASE_URL CI=true FAKETIME_DONT_FAKE_MONOTONIC=1 \
      faketime -f "@$day ${DATES_TIME:-10:00:00}" \
      .venv/bin/pytest -q -p no:cacheprovider -n 2 --dist loadfile "${files[@]}"; then
    failed+=("$day")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "dates check FAILED on: ${failed[*]}"
  exit 1
fi
echo "dates check passed on: ${dates[*]}"
