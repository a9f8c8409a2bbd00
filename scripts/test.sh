#!/usr/bin/env bash
# Install Kakao Gateway with its test dependencies into ./.venv and run the whole suite:
# lint, then the tests on SQLite, then the same tests on PostgreSQL.
# PostgreSQL comes from KAKAO_GATEWAY_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test);
# set KAKAO_GATEWAY_SKIP_POSTGRES=1 to run on SQLite only. The PostgreSQL database is wiped by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# The example provider package (docs/providers.md): tests/test_providers.py sends through it, found by its entry point.
.venv/bin/python -m pip install --quiet -e tests/provider_example
# Tools pip does not install: Node.js with npm (npm's `smpp` server, a second SMSC no one here wrote) and Debian's
# Chromium with fonts-noto-cjk (the console's browser tests; Playwright drives it, no browser download). Installed
# with apt when missing and this runs as root on Debian; elsewhere those tests skip, saying why. In CI
# (CI=true, or KAKAO_GATEWAY_REQUIRE_TOOLS=1) a missing tool fails those tests instead (tests/tools.py).
need=()
command -v npm >/dev/null || need+=(nodejs npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
    echo "== installing ${need[*]} with apt-get"
    apt-get install -y -q "${need[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
  else
    echo "note: ${need[*]} missing; the tests that need them will skip" \
      "(as root on Debian: apt-get install -y ${need[*]})"
  fi
fi
if command -v npm >/dev/null; then
  npm ci --prefix tests/node --no-audit --no-fund --silent
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports

echo "== tests on SQLite"
.venv/bin/pytest -q -rs

if [ "${KAKAO_GATEWAY_SKIP_POSTGRES:-0}" != "1" ]; then
  url="${KAKAO_GATEWAY_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"
  echo "== tests on PostgreSQL ($url)"
  KAKAO_GATEWAY_TEST_DATABASE_URL="$url" .venv/bin/pytest -q -rs
fi
