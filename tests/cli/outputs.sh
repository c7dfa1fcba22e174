#!/bin/sh
# outputs.sh — --format, --svg and tmem sweep end to end (tests/cli/outputs.py,
# /usr/bin/python3, standard library only). Usage: outputs.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
TMEM=${1:-build/tmem}
case $TMEM in /*) ;; *) TMEM="$PWD/$TMEM" ;; esac
exec /usr/bin/python3 "$HERE/outputs.py" "$TMEM"
