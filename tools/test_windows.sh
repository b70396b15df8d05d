#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# The Windows build: cross-compiled with mingw-w64 and tested under wine, from Debian's packages
# only. Debian packages no Boost libraries for mingw, so the few the tests link (Log, Thread,
# Filesystem, Test's unit_test_framework, and what those need) are built once from Debian's own
# source package of the Boost installed here, and kept outside the clone (tools/cache.sh) under a
# key of the Boost version, the compiler's version and how they are built; later runs, from any
# clone, reuse them. The wine prefix is build/windows/wineprefix.
#
# Wine does not refuse reads of a byte range another handle has locked, as Windows does: of the
# tests named *_proven_only_on_real_windows, one passes here whatever is locked, the other is
# skipped (doc/caveats.adoc says more).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/tools/cache.sh"
build="$root/build/windows"
jobs=$(nproc)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

bash "$root/tools/setup.sh" g++-mingw-w64-x86-64-posix wine wine64
# The version of the source package, which a binary-only rebuild's +bN suffix would not match.
boost_version=$(dpkg-query -W -f='${source:Version}' libboost1.81-dev)

# A deb-src entry beside each enabled deb entry of a Debian archive, so that `apt-get source`
# finds the source of the Boost installed here. Other vendors' archives are left alone: not all
# of them publish sources.
add_deb_src() {
  local codename
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  # deb822 files (Debian 12's default).
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -e "$file" ] || continue
    awk -v codename="$codename" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && uris ~ /debian/ && suites ~ codename && enabled != "no") {
          print "Types: deb-src"; print "URIs: " uris; print "Suites: " suites
          print "Components: " components
          if (signed != "") print "Signed-By: " signed
          print ""
        }
        types = uris = suites = components = signed = enabled = ""
      }
      function value(line) { sub(/^[^:]*:[ \t]*/, "", line); return line }
      /^[ \t]*$/ { flush(); next }
      /^Types:/ { types = value($0) }
      /^URIs:/ { uris = value($0) }
      /^Suites:/ { suites = value($0) }
      /^Components:/ { components = value($0) }
      /^Signed-By:[ \t]*[^ \t]/ { signed = value($0) }
      /^Enabled:/ { enabled = value($0) }
      END { flush() }
    ' "$file"
  done | $sudo tee /etc/apt/sources.list.d/exclusive_control-deb-src.sources >/dev/null
  # One-line files: the same line with deb-src.
  local one_line
  one_line=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    sed -n "/debian.* $codename/s/^deb\([ \t]\)/deb-src\1/p") || true
  if [ -n "$one_line" ]; then
    echo "$one_line" | $sudo tee /etc/apt/sources.list.d/exclusive_control-deb-src.list >/dev/null
  fi
  $sudo apt-get update -qq
}

# What b2 builds: each library's CMake files, which build the library first. The modules of Log
# and Test hold more libraries than we link (log_setup; Test's two others), so theirs are named
# one by one; the other modules' `stage` installs the library, its CMake files and dependencies.
boost_targets=(libs/headers/build//stage)
for library in atomic chrono regex thread filesystem; do
  boost_targets+=("libs/$library/build//stage")
done
for file in config config-version config-variant; do
  boost_targets+=("libs/log/build//stage-boost_log-$file.cmake"
                  "libs/test/build//stage-boost_unit_test_framework-$file.cmake")
done

build_boost() {
  local work="$boost.partial" started=$SECONDS
  echo "== Boost $boost_version for mingw (built once, kept in $boost)"
  bash "$root/tools/setup.sh" dpkg-dev # dpkg-source
  apt-cache showsrc boost1.81 2>/dev/null | grep -q "^Package:" || add_deb_src
  rm -rf "$work"
  mkdir -p "$work"
  (
    cd "$work"
    apt-get source --download-only "boost1.81=$boost_version" >source.log 2>&1 || { cat source.log; exit 1; }
    dpkg-source -x boost1.81_*.dsc src >unpack.log 2>&1 || { cat unpack.log; exit 1; }
    echo "using gcc : mingw : x86_64-w64-mingw32-g++-posix : <archiver>x86_64-w64-mingw32-ar" \
         "<ranlib>x86_64-w64-mingw32-ranlib <rc>x86_64-w64-mingw32-windres ;" >user-config.jam
    cd src
    # The installed b2 comes from this very source package (libboost1.81-tools-dev), so the
    # tree's engine need not be bootstrapped. The libraries only serve the tests: built without
    # optimisation, which takes less time.
    b2 -q -j"$jobs" --user-config=../user-config.jam --ignore-site-config --build-dir=../objects \
      --stagedir=../stage toolset=gcc-mingw target-os=windows address-model=64 link=static \
      runtime-link=shared threading=multi variant=release optimization=off -sNO_ICU=1 \
      "${boost_targets[@]}" >../b2.log 2>&1 || { tail -50 ../b2.log; exit 1; }
  )
  # Log's and Test's libraries, which no stage target of theirs installs alone.
  find "$work/objects" \( -name libboost_log.a -o -name libboost_unit_test_framework.a \) \
    -exec cp {} "$work/stage/lib/" \;
  # Kept: stage/, with the CMake files, which look for the headers in src/: those of the Linux
  # package of the same version.
  find "$work" -mindepth 1 -maxdepth 1 ! -name stage -exec rm -rf {} +
  mkdir "$work/src"
  ln -s /usr/include/boost "$work/src/boost"
  mv -T "$work" "$boost"
  echo "   built in $((SECONDS - started)) s"
}

# The key: all that goes into the libraries. The mingw packages' versions name the compiler and
# its runtime headers; build_boost's text holds the b2 options; the targets are listed above.
mingw_version=$(dpkg-query -W -f='${Package} ${Version}\n' g++-mingw-w64-x86-64-posix mingw-w64-x86-64-dev)
boost="$cache_dir/mingw-boost-$boost_version-$(cache_key "$boost_version" "$mingw_version" \
  "${boost_targets[*]}" "$(declare -f build_boost)")"
mkdir -p "$cache_dir" "$build"
# The lock keeps two runs from building the same entry at once; the second finds it made.
exec {boost_lock}>"$boost.lock"
flock "$boost_lock"
[ -d "$boost" ] || build_boost
exec {boost_lock}>&-

echo "== windows (mingw-w64, under wine)"
# No Mono or Gecko: not packaged here, and the tests need neither. Wine names files on disk in
# the charset of the locale: without UTF-8, a non-ASCII lock path cannot be created at all.
export WINEPREFIX="$build/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" LC_ALL=C.UTF-8
# Created before the tests, so that tests running in parallel do not race to create it.
[ -d "$WINEPREFIX" ] || wineboot --init >/dev/null 2>&1
cmake -S "$root" -B "$build/cmake" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64.cmake" \
  -DCMAKE_PREFIX_PATH="$boost/stage" -DCMAKE_BUILD_TYPE=Debug -DEXCLUSIVE_CONTROL_WARNINGS_AS_ERRORS=ON \
  -DEXCLUSIVE_CONTROL_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build/cmake" -j"$jobs" >"$build/build.log" 2>&1 || { cat "$build/build.log"; exit 1; }
status=0
(cd "$build/cmake" && ctest --output-on-failure -j"$jobs") || status=$?
wineserver --kill || true
echo "(Wine cannot prove the tests named *_proven_only_on_real_windows: doc/caveats.adoc says why.)"
exit $status
