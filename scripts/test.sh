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
# Protocol peers others wrote (npm's smpp server), for one end-to-end test; skipped where Node is missing.
if command -v npm >/dev/null; then
  npm ci --prefix tests/node --no-audit --no-fund --silent
fi
# The console's browser tests drive Debian's Chromium through Playwright (no browser download); fonts-noto-cjk draws
# Korean. Installed here when missing and this runs as root on Debian; elsewhere those tests skip, saying why.
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
    apt-get install -y -q chromium fonts-noto-cjk >/dev/null \
      || { apt-get update -q && apt-get install -y -q chromium fonts-noto-cjk >/dev/null; }
  else
    echo "note: no Chromium or no CJK font; the console's browser tests will skip" \
      "(as root on Debian: apt-get install -y chromium fonts-noto-cjk)"
  fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports

echo "== tests on SQLite"
.venv/bin/pytest -q

if [ "${KAKAO_GATEWAY_SKIP_POSTGRES:-0}" != "1" ]; then
  url="${KAKAO_GATEWAY_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"
  echo "== tests on PostgreSQL ($url)"
  KAKAO_GATEWAY_TEST_DATABASE_URL="$url" .venv/bin/pytest -q
fi
