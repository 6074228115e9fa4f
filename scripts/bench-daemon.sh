#!/usr/bin/env bash
# Compares forwarding daemons on this machine, fed by `lightbox loadgen`,
# each delivering to loadgen's PutTraceSegments sink (--sink), so that the
# figures are the daemon's own and not a store's. For every daemon, in
# interleaved rounds (RUNS of them), it measures:
#   - a steady run at RATE documents/s for DURATION: documents delivered,
#     the daemon process's CPU (utime+stime from /proc/PID/stat) and its
#     peak and final RSS (VmHWM, VmRSS);
#   - a stepped run (STEPS, STEP_DURATION each): the highest rate at which
#     every document was delivered.
# and prints one line per measurement, then the medians.
#
# Daemons: lightbox-daemon (the lean binary), `lightbox daemon` (the full
# binary), optionally the `lightbox daemon` of another revision
# (BASELINE_REV, built from `git archive`) and the AWS X-Ray daemon
# (XRAY_DAEMON=/path/to/xray, run in local mode with dummy credentials;
# it always signs, the sink ignores signatures; it has no endpoint flag, so
# a config file gives it the sink as its Endpoint, and as it keeps no
# counters, the drop warnings in its log are counted instead).
#
# MODE=steady or MODE=stepped runs only one kind; DAEMONS (a space-separated
# subset of the names above) limits which daemons run.
#
#   scripts/bench-daemon.sh
#   RUNS=5 RATE=4000 STEPS=10k,20k,30k,40k BASELINE_REV=01b9fe3 scripts/bench-daemon.sh
#   MODE=steady RATE=12000 DAEMONS=lightbox-daemon scripts/bench-daemon.sh
#   MODE=steady RATE=12000 XRAY_RATE=4000 XRAY_DAEMON=/path/to/xray DAEMONS="lightbox-daemon xray-daemon" scripts/bench-daemon.sh
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-/tmp/bench-daemon}
RUNS=${RUNS:-3}
RATE=${RATE:-4000}
# XRAY_RATE, when set, is the X-Ray daemon's steady rate instead of RATE:
# "3 × the traffic at no more CPU" compares Lightbox at 3 × RATE with the
# X-Ray daemon at RATE within one interleaved run.
XRAY_RATE=${XRAY_RATE:-$RATE}
DURATION=${DURATION:-10s}
STEPS=${STEPS:-10k,20k,30k,40k,50k}
STEP_DURATION=${STEP_DURATION:-5s}
BUFFER_MB=${BUFFER_MB:-16}
# The X-Ray daemon's -m: its buffer is 64 KB slots, one per document
# (256 at 16 MB), so it may deserve more; 0 means its own default, 1 % of RAM.
XRAY_BUFFER_MB=${XRAY_BUFFER_MB:-$BUFFER_MB}
PORT=${PORT:-23101}      # the daemon's UDP and TCP port
SINK=${SINK:-127.0.0.1:23102}
BASELINE_REV=${BASELINE_REV:-}
XRAY_DAEMON=${XRAY_DAEMON:-}
MODE=${MODE:-both}
# LIGHTBOX_SIGN=1 has Lightbox's daemons sign as the X-Ray daemon always
# does (dummy credentials; the sink ignores signatures) instead of --no-sign.
LIGHTBOX_SIGN=${LIGHTBOX_SIGN:-0}

mkdir -p "$OUT"
go build -o "$OUT/lightbox" ./cmd/lightbox
go build -o "$OUT/lightbox-daemon" ./cmd/lightbox-daemon
names=(lightbox-daemon "lightbox_daemon")
if [[ -n $BASELINE_REV ]]; then
  rm -rf "$OUT/baseline-src" && mkdir -p "$OUT/baseline-src"
  git archive "$BASELINE_REV" | tar -x -C "$OUT/baseline-src"
  (cd "$OUT/baseline-src" && go build -o "$OUT/lightbox-baseline" ./cmd/lightbox)
  names+=("baseline_$BASELINE_REV")
fi
if [[ -n $XRAY_DAEMON ]]; then
  names+=(xray-daemon)
fi
if [[ -n ${DAEMONS:-} ]]; then
  read -r -a names <<<"$DAEMONS"
fi

hz=$(getconf CLK_TCK)
common=(-o -n us-east-1 -b "127.0.0.1:$PORT" -t "127.0.0.1:$PORT")
printf 'Version: 2\nEndpoint: "http://%s"\n' "$SINK" >"$OUT/xray-cfg.yaml"
sign=(--no-sign)
if [[ $LIGHTBOX_SIGN == 1 ]]; then
  sign=()
  export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=example
fi

start_daemon() { # name → sets pid
  case $1 in
    lightbox-daemon) "$OUT/lightbox-daemon" "${common[@]}" -m "$BUFFER_MB" -e "http://$SINK" ${sign[@]+"${sign[@]}"} -l warn >"$OUT/$1.log" 2>&1 & ;;
    lightbox_daemon) "$OUT/lightbox" daemon "${common[@]}" -m "$BUFFER_MB" -e "http://$SINK" ${sign[@]+"${sign[@]}"} -l warn >"$OUT/$1.log" 2>&1 & ;;
    baseline_*) "$OUT/lightbox-baseline" daemon "${common[@]}" -m "$BUFFER_MB" -e "http://$SINK" ${sign[@]+"${sign[@]}"} -l warn >"$OUT/$1.log" 2>&1 & ;;
    xray-daemon)
      rm -f "$OUT/$1.log"
      AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=example AWS_REGION=us-east-1 \
        "$XRAY_DAEMON" "${common[@]}" -m "$XRAY_BUFFER_MB" -c "$OUT/xray-cfg.yaml" -l warn -f "$OUT/$1.log" >/dev/null 2>&1 & ;;
  esac
  pid=$!
  # Ready when its UDP port is bound.
  for _ in $(seq 100); do
    if grep -qi ":$(printf '%04X' "$PORT") " /proc/net/udp 2>/dev/null; then break; fi
    sleep 0.05
  done
  sleep 0.5
}

stop_daemon() { # name label
  # Lightbox's counters say where any loss happened. The X-Ray daemon has
  # no such endpoint (its TCP port proxies to the sink); it logs a warning
  # for each document or batch it drops, which are counted instead.
  if [[ $1 == xray-daemon ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # It creates its log only when it first logs something.
    warnings() { local n; n=$(grep -c "$1" "$OUT/xray-daemon.log" 2>/dev/null); echo "${n:-0}"; }
    {
      echo "ring buffer full, oldest dropped: $(warnings 'Dropping oldest segment')"
      echo "no free buffer, received dropped: $(warnings 'Segment dropped')"
      echo "batch queue full, batches spilled: $(warnings 'Spilling over')"
      echo "failed batches: $(warnings 'Sending segment batch failed')"
    } >"$OUT/drops-$1-$2.txt"
    return
  fi
  curl -s --max-time 2 "http://127.0.0.1:$PORT/healthz" >"$OUT/healthz-$1-$2.json" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; }

steady() { # name run
  local rate=$RATE
  if [[ $1 == xray-daemon ]]; then rate=$XRAY_RATE; fi
  start_daemon "$1"
  local t0 t1 rep
  t0=$(ticks "$pid")
  rep=$("$OUT/lightbox" loadgen --udp "127.0.0.1:$PORT" --sink "$SINK" --rate "$rate" --duration "$DURATION" 2>&1 || true)
  t1=$(ticks "$pid")
  local hwm rss sent stored secs rcvbuf
  hwm=$(status_kb "$pid" VmHWM)
  rss=$(status_kb "$pid" VmRSS)
  stop_daemon "$1" "steady-$2"
  echo "$rep" >"$OUT/steady-$1-$2.txt"
  sent=$(awk '/^sent/ {print $2}' <<<"$rep")
  stored=$(awk '/^stored/ {print $2}' <<<"$rep")
  secs=$(awk '/^target/ {sub("s$", "", $5); print $5}' <<<"$rep")
  rcvbuf=$(awk '/^kernel/ {print $2}' <<<"$rep")
  awk -v rcvbuf="${rcvbuf:--}" -v n="$1" -v r="$2" -v rate="$rate" -v sent="$sent" -v stored="$stored" -v secs="$secs" \
      -v cpu="$(( t1 - t0 ))" -v hz="$hz" -v hwm="$hwm" -v rss="$rss" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
    c = cpu / hz
    printf "steady\t%s\t%d\t%d\t%d\t%d\t%.2f\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%s\n", n, r, rate, sent, stored, c, 100 * c / secs, 1e6 * c / sent, hwm / 1024, rss / 1024, load, rcvbuf
  }'
}

stepped() { # name run
  start_daemon "$1"
  local rep best hwm
  rep=$("$OUT/lightbox" loadgen --udp "127.0.0.1:$PORT" --sink "$SINK" --step "$STEPS" --duration "$STEP_DURATION" 2>&1 || true)
  hwm=$(status_kb "$pid" VmHWM)
  stop_daemon "$1" "step-$2"
  echo "$rep" >"$OUT/step-$1-$2.txt"
  best=$(awk '/^highest lossless rate/ {print $4} /^no rate was lossless/ {print 0}' <<<"$rep")
  printf 'stepped\t%s\t%d\t%s\t%.1f\t%s\n' "$1" "$2" "$best" "$(awk -v k="$hwm" 'BEGIN {print k / 1024}')" "$(cut -d' ' -f1 /proc/loadavg)"
}

results="$OUT/results.tsv"
: >"$results"
echo "# steady: name run rate sent delivered cpu_s cpu_%_of_one_vcpu cpu_us_per_doc peak_rss_mb final_rss_mb load_average udp_rcvbuf_errors"
echo "# stepped: name run highest_lossless_rate peak_rss_mb load_average"
for run in $(seq "$RUNS"); do
  # Every other round runs the daemons in reverse order, so that none is
  # always first after a quiet or a busy spell of a shared machine.
  order=("${names[@]}")
  if (( run % 2 == 0 )); then
    order=()
    for (( i = ${#names[@]} - 1; i >= 0; i-- )); do order+=("${names[i]}"); done
  fi
  if [[ $MODE != stepped ]]; then
    for n in "${order[@]}"; do steady "$n" "$run" | tee -a "$results"; done
  fi
  if [[ $MODE != steady ]]; then
    for n in "${order[@]}"; do stepped "$n" "$run" | tee -a "$results"; done
  fi
done

median() { sort -n | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo
echo "medians of $RUNS runs (steady at $RATE/s, the X-Ray daemon at $XRAY_RATE/s, for $DURATION; steps $STEPS, $STEP_DURATION each; buffer $BUFFER_MB MB, X-Ray daemon's $XRAY_BUFFER_MB MB)"
printf '%-24s %10s %10s %12s %12s %12s %14s\n' daemon delivered cpu_%vcpu cpu_us/doc peak_rss_MB final_rss_MB max_lossless/s
for n in "${names[@]}"; do
  col() { awk -F'\t' -v n="$n" -v k="$1" -v c="$2" '$1 == k && $2 == n {print $c}' "$results" | median; }
  printf '%-24s %10s %10s %12s %12s %12s %14s\n' "$n" "$(col steady 6)" "$(col steady 8)" "$(col steady 9)" "$(col steady 10)" "$(col steady 11)" "$(col stepped 4)"
done
