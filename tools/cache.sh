# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Sourced by the tools that keep, outside the clone, what does not depend on our sources (the
# mingw Boost of tools/test_windows.sh, the Python peers of tools/test.sh), so that a fresh clone
# on the same machine does not build them again. Each entry is named by a hash of everything it
# is made from; a missing entry is made again, so an empty or deleted cache only costs time.
# EXCLUSIVE_CONTROL_CACHE_DIR moves the cache (default: $XDG_CACHE_HOME/exclusive_control,
# or ~/.cache/exclusive_control).
cache_dir=${EXCLUSIVE_CONTROL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/exclusive_control}

cache_key() { # what-the-entry-is-made-from... -> 16 hex digits
  printf '%s\n' "$@" | sha256sum | cut -c1-16
}
