#!/usr/bin/env bash
# Follows "A production install" of docs/deployment.md, step by step, on a fresh virtual
# environment in a temporary folder, against a fresh PostgreSQL database on 127.0.0.1:5432
# (trust auth, created here and dropped at the end) and the Redis on 127.0.0.1:6379; then asks
# the running server for /healthz and the sign-in page as the documented proxy would.
#
# The venv is really fresh (`python3 -m venv`, then `pip install <this checkout>`, not
# editable, or the same with uv when the checkout has it): it proves the package installs with
# its own dependencies. Run from CI (.ci/run) after the PostgreSQL test run; by hand:
#   bash scripts/deploy_check.sh
# tests/test_deploy_docs.py keeps the steps here and in the docs in the same order.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d -t attune-deploy-check.XXXXXX)"
DB="attune_deploy_check_$$"   # the database and the role Attune connects as
PG=(psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -q)
SERVER_PID=""
started=$SECONDS

step() { printf '\n== deploy check: %s\n' "$*"; }

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  "${PG[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  "${PG[@]}" -c "DROP ROLE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "deploy check FAILED: $*" >&2
  if [ -f "$WORK/serve.log" ]; then
    echo "--- attune serve (last lines)" >&2
    tail -n 40 "$WORK/serve.log" >&2
  fi
  exit 1
}

step "services: PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379"
pg_isready -h 127.0.0.1 -p 5432 -q || fail "PostgreSQL is not accepting connections on 127.0.0.1:5432"
python3 - <<'PY' || fail "Redis is not reachable on 127.0.0.1:6379 (docs: apt-get install redis-server)"
import socket
socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
PY

step "1. the code, in its own virtual environment"
# With the checkout's uv (make install-dev puts it in .venv) the same install — this checkout
# and its dependencies from PyPI, not editable — takes 2.5 s of CPU instead of pip's 19 s
# (issue 15, CI time); without it, the documented pip.
UV="$REPO/.venv/bin/uv"
if [ -x "$UV" ]; then
  python3 -m venv --without-pip "$WORK/venv"
  "$UV" pip install --quiet --python "$WORK/venv/bin/python" "$REPO"
else
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "$REPO" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
fi
"$WORK/venv/bin/attune" --version >/dev/null || fail "the install did not give an attune command"
export PATH="$WORK/venv/bin:$PATH"
hash -r

step "2. a database of its own ($DB) and the shared cache"
createuser -h 127.0.0.1 -p 5432 -U postgres "$DB"
createdb -h 127.0.0.1 -p 5432 -U postgres -O "$DB" "$DB"

step "3. the environment"
SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
ATTUNE_NOTES_KEYS="$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
export DJANGO_ENV=production \
       SECRET_KEY \
       ALLOWED_HOSTS=attune.example.org \
       CSRF_TRUSTED_ORIGINS=https://attune.example.org \
       DATABASE_URL="postgres://$DB@127.0.0.1:5432/$DB" \
       ATTUNE_VAR_DIR="$WORK/var" \
       ATTUNE_NOTES_KEYS \
       CACHE_URL=redis://127.0.0.1:6379/1 \
       ATTUNE_TRUSTED_PROXY_COUNT=1
# Nothing from the calling shell (a developer's DEBUG or demo mode) may leak into the check.
unset DEBUG ATTUNE_DEMO ATTUNE_REQUIRE_MFA SECURE_SSL_REDIRECT DJANGO_SETTINGS_MODULE || true
mkdir -p "$ATTUNE_VAR_DIR"
cd "$WORK"  # not the checkout: the installed package is what runs

step "4. tables, static files, the first administrator, the deploy check"
attune migrate --noinput >"$WORK/migrate.log" 2>&1 || { tail -n 30 "$WORK/migrate.log" >&2; fail "attune migrate"; }
attune collectstatic --noinput >/dev/null || fail "attune collectstatic --noinput"
DJANGO_SUPERUSER_EMAIL=admin@example.org \
DJANGO_SUPERUSER_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')" \
  attune createsuperuser --noinput || fail "attune createsuperuser --noinput"
attune check --deploy --fail-level WARNING || fail "attune check --deploy --fail-level WARNING"

step "5. serve, and ask as the proxy would"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
HOST=127.0.0.1 PORT="$PORT" WEB_CONCURRENCY=2 attune serve >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
# nginx/Caddy pass on the host asked for, the scheme (TLS ends there) and the client address.
PROXY_HEADERS=(-H "Host: attune.example.org" -H "X-Forwarded-Proto: https" -H "X-Forwarded-For: 203.0.113.7")
get() { curl -sS -o "$WORK/body" -w '%{http_code}' --max-time 10 "${PROXY_HEADERS[@]}" "http://127.0.0.1:$PORT$1"; }
for _ in $(seq 60); do
  kill -0 "$SERVER_PID" 2>/dev/null || fail "attune serve stopped"
  [ "$(get /healthz 2>/dev/null)" = 200 ] && break
  sleep 0.5
done
status="$(get /healthz)"
[ "$status" = 200 ] && grep -q '"ok"' "$WORK/body" || fail "/healthz answered $status"
echo "/healthz: 200 $(cat "$WORK/body")"
status="$(get /accounts/login/)"
[ "$status" = 200 ] || fail "/accounts/login/ answered $status"
echo "/accounts/login/: 200"
css="$(grep -o 'href="/static/[^"]*\.css"' "$WORK/body" | head -n 1 | cut -d'"' -f2)"
[ -n "$css" ] || fail "the sign-in page links no stylesheet"
status="$(get "$css")"
[ "$status" = 200 ] || fail "$css answered $status (collectstatic / WhiteNoise)"
echo "$css: 200 (hashed, served by WhiteNoise)"
# Without the proxy's X-Forwarded-Proto production redirects to https.
status="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H "Host: attune.example.org" "http://127.0.0.1:$PORT/accounts/login/")"
[ "$status" = 301 ] || fail "plain http was not redirected to https (answered $status)"
echo "plain http: 301 to https"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
echo
echo "deploy check passed in $((SECONDS - started)) s"
