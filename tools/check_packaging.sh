#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Packaging checks: the b2 build and its tests (shared debug, a suite of each kind; static
# release built), a b2 user, the CMake package used three ways, and a pkg-config user. Conan is
# checked by Conan itself: tools/check_conan.sh.
# Usage: tools/check_packaging.sh [BUILD_DIR]   (default: build/packaging in the repository)
# Quiet on success; a failure prints what went wrong. Safe to run again on the same directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/packaging}
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
jobs=$(nproc)

fail() { echo "check_packaging: $*" >&2; exit 1; }

step() { # name command...: the output goes to a log that is shown only on failure
  local log="$out/logs/$1.log"
  "${@:2}" >"$log" 2>&1 && return 0
  echo "check_packaging: FAILED: $1 (log: $log); its end:" >&2
  tail -n 60 "$log" >&2
  exit 1
}

# --- The b2 files must not drift from CMake, the source of truth; nor the version macros.
# CMake only: test_docs checks the documentation's sources against the headers; test_cli,
# test_namespaces and test_python_peers test the command, which b2 does not build (the latter
# also needs the Python peers of tools/setup_peers.sh); test_two_copies loads a plugin built
# with a second, position-independent static copy of the library, which only CMake builds;
# test_windows is for the Windows build (under wine).
cmake_tests=$(grep -o '^ *exclusive_control_test(test_[a-z0-9_]*' "$root/test/CMakeLists.txt" |
  cut -d'(' -f2 | grep -vx -e test_docs -e test_cli -e test_namespaces -e test_python_peers \
  -e test_two_copies -e test_windows | sort)
# A suite is `suite test_x ...`, or `run test_x.cpp ...` where it needs requirements of its own
# (test_async_coroutine: C++20).
b2_tests=$({ grep -o '^suite test_[a-z0-9_]*' "$root/test/Jamfile" | cut -d' ' -f2
             grep -o '^run test_[a-z0-9_]*\.cpp' "$root/test/Jamfile" | sed 's/^run //; s/\.cpp$//'; } | sort)
[ "$cmake_tests" = "$b2_tests" ] || fail "test/Jamfile and test/CMakeLists.txt list other tests:
$(diff <(echo "$cmake_tests") <(echo "$b2_tests") || true)"
version=$(sed -n 's/^project(exclusive_control VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
header_version=$(sed -n 's/^#define EXCLUSIVE_CONTROL_VERSION_[A-Z]* \([0-9]*\)$/\1/p' \
  "$root/include/exclusive_control/config.hpp" | paste -sd.)
[ "$version" = "$header_version" ] || fail "CMakeLists.txt says $version, config.hpp $header_version"

# --- b2; -l bounds a hung test.
# Everything is built under $out, not beside the Jamfiles. Warnings are not errors here: the
# CMake builds of tools/test.sh make them so, and gcc's -O3 finds false ones in std::optional.
run_b2() { # log-name directory b2-arguments...
  local log="$out/logs/$1.log" dir=$2
  (cd "$dir" && b2 -j"$jobs" -l300 --build-dir="$out/b2" "${@:3}") \
    >"$log" 2>&1 && return 0
  echo "check_packaging: FAILED: b2 ${*:3} in $dir (log: $log)" >&2
  grep -E -A12 ': (fatal )?error:' "$log" | head -n 60 >&2 || true
  # b2 keeps a failed test's output beside it, without the .run copy it makes on success.
  find "$out/b2" -name '*.output' | while read -r output; do
    [ -e "${output%.output}.run" ] || { echo "--- ${output#"$out/b2/"}"; tail -n 30 "$output"; }
  done >&2
  grep '^\.\.\.failed' "$log" >&2 || true
  exit 1
}
# b2 must prove that `b2 test` works for b2 users, not run the suites once more: tools/test.sh
# runs every one of them on the shared debug library built by CMake (where symbol visibility
# can go wrong), then under ASan+UBSan and TSan. So CI runs, on the shared debug build, one
# suite of each kind the Jamfile declares: with internal sources compiled in
# (test_content_template; test_lock_query, two), with the interposer (test_lock_file), with a
# helper program (test_log_record, test_stress), plain (test_in_process, which finds lock_holder
# by a relative path), and C++20 (test_async_coroutine, which builds the library as C++20 too);
# the list comparison above keeps the others declared. It also builds the static release
# library, and links a user against static and shared below. EXCLUSIVE_CONTROL_B2_ALL=1 runs
# every suite in all four combinations.
# The plain CMake build of tools/test.sh runs stress and chaos at full size; here, as under the
# sanitizers, smaller sizes keep the time down.
export EXCLUSIVE_CONTROL_STRESS_PROCESSES=${EXCLUSIVE_CONTROL_STRESS_PROCESSES:-4}
export EXCLUSIVE_CONTROL_STRESS_THREADS=${EXCLUSIVE_CONTROL_STRESS_THREADS:-4}
export EXCLUSIVE_CONTROL_STRESS_ITERATIONS=${EXCLUSIVE_CONTROL_STRESS_ITERATIONS:-50}
export EXCLUSIVE_CONTROL_CHAOS_KILLS=${EXCLUSIVE_CONTROL_CHAOS_KILLS:-15}
b2_representative_tests=(test_content_template test_lock_query test_lock_file test_log_record
                         test_stress test_in_process test_async_coroutine)
if [ "${EXCLUSIVE_CONTROL_B2_ALL:-0}" = 1 ]; then
  run_b2 b2-test "$root" link=shared,static variant=debug,release test
else
  for test in "${b2_representative_tests[@]}"; do
    grep -qx "$test" <<<"$b2_tests" || fail "test/Jamfile declares no $test, which CI runs with b2"
  done
  run_b2 b2-test-shared-debug "$root" link=shared variant=debug "${b2_representative_tests[@]/#/test//}"
  run_b2 b2-static-release "$root" link=static variant=release exclusive_control
fi
# A b2 user naming the library by project id (it reuses the libraries built above).
run_b2 b2-user "$root/test/consumer" link=shared,static
# A toolset named on the command line is the only one configured: project-config.jam's default
# must not also configure gcc, which fails where there is no g++ (an MSVC or clang-only machine).
# (A dry run; clang-14 comes from tools/setup.sh.)
step b2-toolset bash -c 'cd "$1" && b2 -n --debug-configuration --build-dir="$2" toolset=clang-14 exclusive_control' \
  _ "$root" "$out/b2"
grep -q "^clang-linux.compile" "$out/logs/b2-toolset.log" && ! grep -q "for gcc" "$out/logs/b2-toolset.log" ||
  fail "b2 toolset=clang-14 did not build with clang alone (log: $out/logs/b2-toolset.log)"

# --- CMake: build and install the library, shared and static.
install_library() { # kind ON|OFF
  rm -rf "$out/install-$1" &&
    cmake -S "$root" -B "$out/library-$1" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS="$2" \
      -DEXCLUSIVE_CONTROL_BUILD_TESTS=OFF -DEXCLUSIVE_CONTROL_BUILD_EXAMPLES=OFF \
      -DEXCLUSIVE_CONTROL_BUILD_BENCHMARKS=OFF &&
    cmake --build "$out/library-$1" -j"$jobs" &&
    cmake --install "$out/library-$1" --prefix "$out/install-$1"
}
step install-shared install_library shared ON
step install-static install_library static OFF
lib=$(find "$out/install-shared" -name 'libexclusive_control.so.*.*.*' | head -n 1)
[ -n "$lib" ] || fail "no versioned libexclusive_control.so in $out/install-shared"
objdump -p "$lib" | grep -q "SONAME *libexclusive_control\.so\.${version%%.*}$" ||
  fail "$lib: its SONAME is not libexclusive_control.so.${version%%.*}"
# The templates of async_lock.hpp call a few member functions of the detail classes that the
# public headers declare; those are exported one by one, and nothing else of detail: a nested type,
# a typeinfo or a std:: container of ours exported would clash with another copy of the library
# in the process, and an exported function-local static becomes a STB_GNU_UNIQUE symbol, which
# the dynamic loader merges across every library loaded, joining two copies' private tables.
symbols=$(nm -DC --defined-only "$lib" | cut -d' ' -f2-)
leaked=$(grep 'exclusive_control::detail::' <<<"$symbols" |
  grep -Ev '^T exclusive_control::detail::(pending_link|pending_lock|release_events)::~?[a-z_]+\(' || true)
[ -z "$leaked" ] || fail "$lib exports internal names (hidden visibility not in effect):
$leaked"
! grep -q '^u .*exclusive_control::' <<<"$symbols" ||
  fail "$lib exports unique symbols of ours: $(grep '^u .*exclusive_control::' <<<"$symbols")"

# A user's CMake project (test/consumer), in a fresh build directory: built, run and installed.
user_project() { # name cmake-arguments...
  rm -rf "${out:?}/${1:?}" "$out/$1-install" &&
    cmake -S "$root/test/consumer" -B "$out/$1" -DCMAKE_BUILD_TYPE=Debug "${@:2}" &&
    cmake --build "$out/$1" -j"$jobs" && "$out/$1/consumer" &&
    cmake --install "$out/$1" --prefix "$out/$1-install"
}
cmake_user() { # name cmake-arguments...
  step "$1" user_project "$@"
  # Built inside the user's project, the library must install nothing of its own.
  local installed
  installed=$(cd "$out/$1-install" && find . -type f)
  [ "$installed" = "./bin/consumer" ] || fail "$1: the user's install holds more than its program:
$installed"
}
# 1. find_package on each install.
cmake_user package-shared -DCMAKE_PREFIX_PATH="$out/install-shared" -DEXPECT_SHARED=ON
cmake_user package-static -DCMAKE_PREFIX_PATH="$out/install-static"
# 2. add_subdirectory of this tree, here as a shared library.
cmake_user subdirectory -DEXCLUSIVE_CONTROL_FROM=subdirectory -DEXCLUSIVE_CONTROL_SOURCE="$root" \
  -DBUILD_SHARED_LIBS=ON -DEXPECT_SHARED=ON
# 3. FetchContent of an archive of what a clone would hold (tracked or new, not ignored, files).
archive="$out/exclusive_control-src.tar.gz"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
  tar -czf "$archive" --null -T - --transform 's,^,exclusive_control/,')
cmake_user fetchcontent -DEXCLUSIVE_CONTROL_FROM=fetchcontent -DEXCLUSIVE_CONTROL_SOURCE="$archive"

# --- pkg-config from a plain Makefile, on each install.
pkg_config_user() { # kind
  local pc expect=""
  pc=$(dirname "$(find "$out/install-$1" -name exclusive_control.pc)")
  [ "$1" = shared ] && expect=-DEXPECT_DYN_LINK
  mkdir -p "$out/pkg-config-$1" && (cd "$out/pkg-config-$1" &&
    PKG_CONFIG_PATH="$pc" make -B -f "$root/test/consumer/Makefile" CPPFLAGS="$expect" &&
    ./consumer)
}
for kind in shared static; do
  step "pkg-config-$kind" pkg_config_user $kind
done
