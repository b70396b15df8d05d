#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
# Installs the Python lock libraries that test_python_peers.cpp runs as peers, each pinned, with
# pip into virtual environments under DIR (default: build/peers in the repository); nothing
# outside DIR changes. Two environments, since both zc.lockfiles are called zc.lockfile:
#   DIR/zc.lockfile-1  zc.lockfile 1.2.1       (test/peers/requirements-zc.lockfile-1.txt)
#   DIR/current        zc.lockfile, yg.lockfile, py-filelock (test/peers/requirements.txt)
# Needs python3 with venv (tools/setup.sh installs python3-venv) and a reachable PyPI. Quiet on
# success; safe to run again (pip then finds everything installed).
# Usage: tools/setup_peers.sh [DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/peers}
mkdir -p "$dir"

environment() { # name requirements-file modules-to-import...
  local venv="$dir/$1" log="$dir/$1.log"
  { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } >"$log" 2>&1 &&
    "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$2" >>"$log" 2>&1 &&
    "$venv/bin/python" -c "import sys; [__import__(m) for m in sys.argv[1:]]" "${@:3}" >>"$log" 2>&1 &&
    return 0
  echo "setup_peers: FAILED: the $1 environment in $venv (log: $log); its end:" >&2
  tail -n 30 "$log" >&2
  exit 1
}
environment zc.lockfile-1 "$root/test/peers/requirements-zc.lockfile-1.txt" zc.lockfile
environment current "$root/test/peers/requirements.txt" zc.lockfile yg.lockfile filelock
