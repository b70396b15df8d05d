#!/usr/bin/env bash
# Installs what building and testing exclusive_control needs on Debian 12, if it is missing.
# `--docs` adds what building the documentation needs (tools/docs.sh).
set -euo pipefail
packages=(g++ cmake make libboost1.81-all-dev libboost1.81-tools-dev util-linux pkg-config strace
          clang-14 libclang-rt-14-dev)
for arg in "$@"; do
  case "$arg" in
    --docs) packages+=(asciidoctor) ;;
    *) echo "usage: tools/setup.sh [--docs]" >&2; exit 2 ;;
  esac
done
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
