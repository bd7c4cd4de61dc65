#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Windows build's CMAKE_CROSSCOMPILING_EMULATOR: runs a program under wine with its chatter
# off and the build tree's own wine prefix. Wine 8's server now and then drops a new client
# while it shuts down after the previous program ("wine client error: ... Connection reset by
# peer"), before the program's main() has run; that one failure, and only it, is retried once.
#
#   wine-run.sh <wine> <prefix> <program> [arguments...]
set -uo pipefail
wine=$1 prefix=$2
shift 2
export WINEDEBUG=-all WINEPREFIX=$prefix
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
"$wine" "$@" 2> >(tee "$errors" >&2)
status=$?
wait  # the tee has written everything
if ((status != 0)) && grep -q '^wine client error:' "$errors"; then
  echo "wine-run.sh: the wine server dropped the program before it started; running it again" >&2
  "$wine" "$@"
  status=$?
fi
exit "$status"
