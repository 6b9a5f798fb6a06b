#!/usr/bin/env bash
# Checks formatting, lint and types, changing nothing (FIX=1 formats in place):
# clang-format (.clang-format) on the C++, Prettier (.prettierrc.json) and
# ESLint (web/eslint.config.js) on the JavaScript, and the TypeScript checker
# on the page, its worker and the engine's JS (web/tsconfig.json: JSDoc
# types, tsc --noEmit). scripts/test.sh runs it.
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
"$bin/tsc" --noEmit -p web
echo "lint: ${#cpp[@]} C++ and ${#js[@]} web files formatted, no lint, types checked" >&2
