#!/bin/sh
# run.sh — runs built libFuzzer targets (make fuzz, make fuzz-long) one after
# another, each for SECONDS, from its seed corpus fuzz/corpus/<target> and
# its dictionary fuzz/dict/<target>.dict when there is one. New inputs go to
# BUILD/corpus/<target>, crashes to BUILD/crash-<target>-*, each run's log to
# BUILD/log-<target>.txt (BUILD/corpus carries over between runs). At the
# end, one line per target from libFuzzer's final report: executions; edges
# (cov:) and features (ft:) once the corpora are loaded and at the end;
# corpus size; peak RSS; the slowest input's seconds. Exit 1 when a target
# crashed, leaked or hung.
# Usage: fuzz/run.sh BUILD SECONDS TARGET...
set -u
build=$1
seconds=$2
shift 2
summary="$build/fuzz-summary.txt"
: >"$summary"
status=0
for t in "$@"; do
  mkdir -p "$build/corpus/$t"
  dict=""
  [ -f "fuzz/dict/$t.dict" ] && dict="-dict=fuzz/dict/$t.dict"
  log="$build/log-$t.txt"
  echo "fuzz $t: $seconds s${dict:+ with $dict}"
  # -timeout: an input that runs 60 s is a hang (a FIFO read, a spin), a
  # finding; the slowest input's time is in the summary (e2e's largest
  # seeds take ~1 s plain, ~10 s in this instrumented build on a busy machine)
  # shellcheck disable=SC2086
  "$build/fuzz_$t" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -close_fd_mask=3 \
    -print_final_stats=1 $dict -artifact_prefix="$build/crash-$t-" \
    "$build/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  seeds=$(sed -n 's/^#[0-9]*[[:space:]]*INITED cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' "$log" | tail -n 1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log")
  cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$done_line" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
  if [ "$rc" -ne 0 ] || [ -z "$done_line" ]; then
    status=1
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
  fi
  printf '%-12s %10s execs  start cov %5s ft %5s  ->  end cov %5s ft %5s  corpus %-12s peak RSS %5s MB  slowest %3s s  %s\n' \
    "$t" "${execs:-?}" "${seeds% *}" "${seeds#* }" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "${slowest:-?}" \
    "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc, see $log)")" >>"$summary"
done
echo "fuzz summary ($seconds s per target):"
cat "$summary"
exit $status
