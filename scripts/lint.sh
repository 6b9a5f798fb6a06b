#!/usr/bin/env bash
# Checks formatting and lint, changing nothing (FIX=1 formats in place):
# clang-format (.clang-format) on the C++, Prettier (.prettierrc.json) and
# ESLint (web/eslint.config.js) on the JavaScript. scripts/test.sh runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=web/node_modules/.bin

mapfile -t cpp < <(git ls-files '*.cpp' '*.hpp')
mapfile -t js < <(git ls-files '*.js' '*.mjs' '*.json' '*.html' '*.css' | grep -v -e '^web/vendor/' -e 'package-lock.json$')
if [ "${FIX:-0}" = 1 ]; then
  clang-format -i "${cpp[@]}"
  "$bin/prettier" --log-level warn --write "${js[@]}"
  "$bin/eslint" -c web/eslint.config.js --fix .
  exit 0
fi
clang-format --dry-run --Werror "${cpp[@]}"
"$bin/prettier" --log-level warn --check "${js[@]}"
"$bin/eslint" -c web/eslint.config.js --max-warnings 0 .
echo "lint: ${#cpp[@]} C++ and ${#js[@]} web files formatted, no lint" >&2
