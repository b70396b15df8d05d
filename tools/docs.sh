#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Builds the documentation (doc/*.adoc, AsciiDoc) into build/doc/index.html with Asciidoctor,
# installing it if it is missing. Fails on any warning, such as an include or tag not found.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/setup.sh" --docs
asciidoctor --failure-level WARN -D "$root/build/doc" "$root/doc/index.adoc"
echo "Built $root/build/doc/index.html"
