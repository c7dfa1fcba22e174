#!/bin/sh
# readme.sh — the README shows what the program does: every sample command
# in a fenced block ('$ tmem ...', with '\' continuation lines) is run and
# its output (stdout and stderr, as a terminal shows them) must equal the
# lines under it exactly; every choice list written as `--flag a|b|c` equals
# the list that flag's --help line prints (the core's name tables), in the
# command of the section it is in; the family list and the preset count
# equal the program's. The checkpoint samples run in a folder of fixtures
# (build/tests/test_ckpt_fixtures --write). Usage: readme.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
ROOT=$(cd "$HERE/../.." && pwd)
README="$ROOT/README.md"
GEN="$(dirname "${TMEM_UNDER_VALGRIND:-$TMEM}")/tests/test_ckpt_fixtures"

if [ ! -x "$GEN" ]; then
  echo "FAIL: $GEN is missing (make test builds it)"
  echo "readme: 0 passed, 1 failed"
  exit 1
fi
FX="$TMP/fx"
"$GEN" --write "$FX" >/dev/null || { echo "FAIL: fixture writer"; echo "readme: 0 passed, 1 failed"; exit 1; }
mkdir -p "$TMP/bin" "$TMP/run"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$TMEM" >"$TMP/bin/tmem" # (a wrapper, not a link: valgrind-tmem.sh finds its helpers by its own path)
chmod +x "$TMP/bin/tmem"
# samples run where the only other name is the checkpoint the inspect sample reads
# (a folder named like a preset, such as the fixtures' gpt2, would be read instead)
ln -s "$FX/Llama-2-7b-hf" "$TMP/run/Llama-2-7b-hf"

# --- samples: README.md → one N.cmd, N.out and N.line per '$ tmem' line -------------------
mkdir -p "$TMP/s"
awk -v dir="$TMP/s" '
  function flush() {
    if (n == 0 || done[n]) return
    sub(/\n+$/, "\n", out)
    printf "%s", out > (dir "/" n ".out"); close(dir "/" n ".out")
    printf "%s\n", cmd > (dir "/" n ".cmd"); close(dir "/" n ".cmd")
    printf "%d\n", line > (dir "/" n ".line"); close(dir "/" n ".line")
    done[n] = 1
  }
  /^```/ { if (inblock) flush(); inblock = !inblock; active = 0; next }
  inblock && /^\$ tmem/ { flush(); n++; cmd = substr($0, 3); line = NR; out = ""; active = 1; cont = /\\$/; next }
  inblock && active && cont { cmd = cmd "\n" $0; cont = /\\$/; next }
  inblock && active { out = out $0 "\n" }
' "$README"
n_samples=0
for c in "$TMP"/s/*.cmd; do
  [ -e "$c" ] || break
  base=${c%.cmd}
  n_samples=$((n_samples + 1))
  (cd "$TMP/run" && PATH="$TMP/bin:$PATH" sh "$c" 2>&1) | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$base.got"
  if cmp -s "$base.got" "$base.out"; then ok; else
    bad "README.md:$(cat "$base.line"): '$(head -n 1 "$c")' prints something else:
$(diff "$base.out" "$base.got" | head -n 12)"
  fi
done
if [ "$n_samples" -ge 8 ]; then ok; else bad "found $n_samples README samples, want at least 8"; fi

# --- choice lists: `--flag a|b|c` in a '### `tmem CMD`' section ----------------------------
awk '
  /^### `tmem [a-z]+`/ { cmd = $2; gsub(/`/, "", cmd); cmd = $3; gsub(/[`,]/, "", cmd) }
  /^## / { cmd = "" }
  {
    s = $0
    while (match(s, /`--[a-z0-9-]+ [^` ]*\|[^` ]*`/)) {
      span = substr(s, RSTART + 1, RLENGTH - 2)
      print NR, (cmd == "" ? "-" : cmd), span
      s = substr(s, RSTART + RLENGTH)
    }
  }' "$README" >"$TMP/lists"
n_lists=0
while read -r line cmd flag list; do
  n_lists=$((n_lists + 1))
  if [ "$cmd" = - ]; then bad "README.md:$line: $flag list outside a tmem command section"; continue; fi
  want=$(help_choices "$cmd" "$flag" | tr '\n' '|' | sed 's/|$//')
  if [ "$list" = "$want" ]; then ok; else bad "README.md:$line: $flag $list, but tmem $cmd --help lists $want"; fi
done <"$TMP/lists"
if [ "$n_lists" -ge 8 ]; then ok; else bad "found $n_lists choice lists in README.md, want at least 8"; fi

# --- the family list and the number of presets --------------------------------------------
fams=$(sed -n '/^Families counted exactly:/,/^$/p' "$README" | tr '\n' ' ' |
  sed 's/^Families counted exactly: //; s/[`.]//g; s/, */|/g; s/ *$//; s/ //g')
want=$(help_choices params --family | tr '\n' '|' | sed 's/|$//')
if [ "$fams" = "$want" ]; then ok; else bad "README families '$fams', tmem params --help lists '$want'"; fi
n_presets=$("$TMEM" models --json | grep -c '"hf_id":')
if grep -q "^| \`tmem models\` | the $n_presets built-in model presets |" "$README"; then ok; else
  bad "README's tmem models row does not say $n_presets presets"; fi

summary readme
