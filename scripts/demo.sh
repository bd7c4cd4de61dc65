#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# README command 1: install what is needed, build the library and run the demo program (the demo
# target also builds tempfile-cli, whose `run` ends the tour).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target demo
./build/dev/examples/demo
