#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages that building, testing and benchmarking tempfile need (systemd:
# its systemd-tmpfiles ages a lab directory in the tmp-cleaner test; it is not started).
# ccache: scripts/test.sh compiles through it when it is there. doxygen: the API reference (the
# `docs` target), which scripts/test.sh builds with warnings as errors. gnuplot-nox (2 MB): the
# plots of bench/peers.py (valgrind, 70 MB, is not here: without it the script leaves out its
# instruction and allocation counts). The Windows leg's cross-compiler (MinGW-w64, posix threads)
# and wine come with their recommended packages, as that leg was set up and measured with them
# (about 190 MB to download). Quick when everything is already there; needs root (or sudo)
# otherwise.
set -euo pipefail
packages=(build-essential cmake ninja-build ccache pkg-config python3 strace systemd
          libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
          clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14 doxygen gnuplot-nox)
windows_packages=(g++-mingw-w64-x86-64-posix wine64)
not_installed() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
mapfile -t missing < <(not_installed "${packages[@]}")
mapfile -t missing_windows < <(not_installed "${windows_packages[@]}")
if ((${#missing[@]} == 0 && ${#missing_windows[@]} == 0)); then
  exit 0
fi
echo "installing: ${missing[*]} ${missing_windows[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
if ((${#missing[@]} > 0)); then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ((${#missing_windows[@]} > 0)); then
  "${sudo_cmd[@]}" apt-get install -y -qq "${missing_windows[@]}"
fi
