#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# The Conan check: Conan 2 itself (pinned, pip-installed into build/conan/venv) runs
# `conan create .` for the shared and the static package, each building and running
# test_package/, with Boost from Debian's packages through the wrapper recipe in test/conan/boost
# (ConanCenter is not needed). The commands are doc/examples/conan.sh, which the tutorial shows;
# README.md's Conan section must show the same lines, and this checks that it does.
# Everything Conan writes stays in build/conan (its cache: CONAN_HOME=build/conan/home) and in
# test_package/build. Quiet on success; a failure prints the end of the log. Safe to run again.
# Usage: tools/check_conan.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
example="$root/doc/examples/conan.sh"
mkdir -p "$root/build/conan"
log="$root/build/conan/check.log"

commands=$(sed -n '/# tag::conan\[\]/,/# end::conan\[\]/p' "$example" | sed '1d;$d')
[ -n "$commands" ] || { echo "check_conan: no tagged commands in $example" >&2; exit 1; }
# The README's block, as the lines between "```sh" and "```" that hold the first command.
readme_block=$(awk -v first="$(head -n 1 <<<"$commands")" '
  /^```/ { if (inside && found) exit; inside = ($0 == "```sh"); block = ""; next }
  inside { block = block $0 "\n"; if ($0 == first) found = 1 }
  END { if (found) printf "%s", block }' "$root/README.md")
[ "$readme_block" = "$commands" ] || {
  echo "check_conan: README.md's Conan commands are not those of doc/examples/conan.sh:" >&2
  diff <(echo "$readme_block") <(echo "$commands") >&2 || true
  exit 1
}

(cd "$root" && sh "$example") >"$log" 2>&1 || {
  echo "check_conan: FAILED (log: $log); its end:" >&2
  tail -n 60 "$log" >&2
  exit 1
}
