#!/usr/bin/env bash
# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Installs what building and testing exclusive_control needs on Debian 12, if it is missing.
# `--docs` adds what building the documentation needs (tools/docs.sh). Packages named as
# arguments are installed too, without their recommendations (for wine, those are hundreds of
# megabytes of desktop libraries that headless tests do not use).
set -euo pipefail
# python3-venv: the environments for the Python peers and for Conan. ninja-build: the generator
# of tools/test.sh's CMake builds (make stays for Conan's and the pkg-config user's).
packages=(g++ cmake make ninja-build libboost1.81-all-dev libboost1.81-tools-dev util-linux pkg-config
          strace clang-14 libclang-rt-14-dev clang-tidy-14 clang-format-14 python3-venv)
extra=()
for arg in "$@"; do
  case "$arg" in
    --docs) packages+=(asciidoctor) ;;
    -*) echo "usage: tools/setup.sh [--docs] [PACKAGE...]" >&2; exit 2 ;;
    *) extra+=("$arg") ;;
  esac
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
updated=false

install_missing() { # apt-get options..., --, packages...
  local options=() missing=()
  while [ "$1" != "--" ]; do options+=("$1"); shift; done
  shift
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "Installing: ${missing[*]}"
  $updated || { $sudo apt-get update -qq; updated=true; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${options[@]}" "${missing[@]}" >/dev/null
}

install_missing -- "${packages[@]}"
[ ${#extra[@]} -eq 0 ] || install_missing --no-install-recommends -- "${extra[@]}"
