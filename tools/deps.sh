#!/bin/sh
# deps.sh — install what building and testing tmem needs and this machine
# lacks (Debian/Ubuntu: apt-get). Does nothing when everything is present.
set -e
need=""
command -v cc >/dev/null 2>&1 || need="$need build-essential"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v python3 >/dev/null 2>&1 || need="$need python3" # tests/accuracy/gen.py (docs/accuracy.md's tables)
pkg-config --exists jansson 2>/dev/null || need="$need libjansson-dev"
pkg-config --exists cmocka 2>/dev/null || need="$need libcmocka-dev"
# the reference JSON Schema validator (Debian), for tests/cli/schema.sh
/usr/bin/python3 -c "import jsonschema" >/dev/null 2>&1 || need="$need python3-jsonschema"
# the shells whose completion scripts tests/cli/conventions.sh runs
command -v zsh >/dev/null 2>&1 || need="$need zsh"
command -v fish >/dev/null 2>&1 || need="$need fish"
[ -z "$need" ] && exit 0
echo "tmem: installing:$need"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q $need >/dev/null
