#!/bin/sh
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Conan 2 on a machine without ConanCenter, with Debian's Boost: `conan create .` for the shared
# and the static package, each built and run by test_package/. tools/check_conan.sh runs this
# from the repository's root (tools/test.sh runs that); the tutorial and README.md show the
# lines between the tags.
set -eu
# tag::conan[]
python3 -m venv build/conan/venv
build/conan/venv/bin/pip install conan==2.34.0
export PATH="$PWD/build/conan/venv/bin:$PATH" CONAN_HOME="$PWD/build/conan/home"
conan profile detect --exist-ok
conan create test/conan/boost --profile:all test/conan/system-boost --no-remote
conan create . --profile:all test/conan/system-boost --no-remote -o "&:shared=True"
conan create . --profile:all test/conan/system-boost --no-remote -o "&:shared=False"
# end::conan[]
