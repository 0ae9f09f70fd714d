#!/usr/bin/env bash
# A/B benchmark of cached reviews: two ImageGate jars (say main's and a branch's) side by side, with the
# project's test-double trivy and crane, measured in interleaved rounds (A B B A ...) so both see the same
# machine noise. Reports each jar's median throughput and latency and the median B/A throughput ratio over
# the pairs. Usage: [WARMUP=60] [ROUNDS=6] [A_ARGS=...] [B_ARGS=...] bench/ab.sh JAR_A JAR_B [seconds-per-round]
# Both jars must serve /scan on imagegate.review.port (ImageGate since the Vert.x engine); the actuator is on
# the port after it, the admission webhooks on the one after that. A_ARGS and B_ARGS are more settings for one
# side ("--name=value ..."): the same jar twice under two settings (a policy with signature rules, say) is an
# A/B as well. The review is the one bench/run.sh sends for cached reviews: two images, both allowed.
# Needs wrk and curl (wrk: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR_A=$1
JAR_B=$2
ROUND=${3:-10}
WARMUP=${WARMUP:-60}
ROUNDS=${ROUNDS:-6}
JVM_OPTS=${JVM_OPTS:--Xmx256m}
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

start() { # start name jar port args (review; the actuator on port + 1, the admission webhooks on port + 2)
  # shellcheck disable=SC2086
  java $JVM_OPTS -jar "$2" --imagegate.review.port="$3" --server.port="$(($3 + 1))" --imagegate.admission.port="$(($3 + 2))" \
    --imagegate.trivy.command="$PWD/src/test/trivy/trivy" --imagegate.crane.command="$PWD/src/test/crane/crane" \
    --logging.level.imagegate.audit=WARN $4 > "$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  until curl -sf "http://127.0.0.1:$(($3 + 1))/actuator/health/readiness" >/dev/null; do
    kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$WORK/$1.log"; exit 1; }
    sleep 0.2
  done
}
ms() { awk '{ v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f\n", v }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
round() { # round name port pid -> appends rps, p50, p99, server CPU per review
  local before after
  before=$(cpu_ticks "$3")
  wrk -t2 -c32 -d"${ROUND}s" --latency -s "$WORK/post.lua" "http://127.0.0.1:$2/scan?timeout=30s" > "$WORK/wrk"
  after=$(cpu_ticks "$3")
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" '/requests in/ {printf "%.0f\n", t / hz * 1e6 / $1}' "$WORK/wrk" >> "$WORK/$1.cpu"
  awk '/Requests\/sec/ {print $2}' "$WORK/wrk" | tee -a "$WORK/$1.rps"
  awk '$1 == "50%" {print $2}' "$WORK/wrk" | ms >> "$WORK/$1.p50"
  awk '$1 == "99%" {print $2}' "$WORK/wrk" | ms >> "$WORK/$1.p99"
}

cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"kind":"ImageReview","apiVersion":"imagepolicy.k8s.io/v1alpha1","metadata":{"creationTimestamp":null},"spec":{"containers":[{"image":"registry.test/bench/clean:1"},{"image":"registry.test/bench/nothing:1"}],"namespace":"default"},"status":{"allowed":false}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, */*"
wrk.headers["Accept-Encoding"] = "gzip"
LUA
start a "$JAR_A" 18180 "${A_ARGS:-}"
PID_A=${PIDS[-1]}
start b "$JAR_B" 18280 "${B_ARGS:-}"
PID_B=${PIDS[-1]}
for port in 18180 18280; do
  curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary "$(awk -F"'" '/wrk.body/ {print $2}' "$WORK/post.lua")" \
    "http://127.0.0.1:$port/scan?timeout=30s"
  wrk -t2 -c32 -d"${WARMUP}s" -s "$WORK/post.lua" "http://127.0.0.1:$port/scan?timeout=30s" >/dev/null
done
for i in $(seq "$ROUNDS"); do
  if [ $((i % 2)) -eq 1 ]; then a=$(round a 18180 "$PID_A"); b=$(round b 18280 "$PID_B")
  else b=$(round b 18280 "$PID_B"); a=$(round a 18180 "$PID_A"); fi
  echo "$a $b" | awk '{printf "%.3f\n", $2 / $1}' >> "$WORK/ratio"
done
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), JVM options: $JVM_OPTS, $ROUNDS x ${ROUND}s rounds per jar"
echo "| jar | cached reviews/s (median) | p50 / p99 (median) | server CPU per review (median) |"
echo "|---|---|---|---|"
echo "| A $JAR_A ${A_ARGS:-} | $(median < "$WORK/a.rps") | $(median < "$WORK/a.p50") ms / $(median < "$WORK/a.p99") ms | $(median < "$WORK/a.cpu") us |"
echo "| B $JAR_B ${B_ARGS:-} | $(median < "$WORK/b.rps") | $(median < "$WORK/b.p50") ms / $(median < "$WORK/b.p99") ms | $(median < "$WORK/b.cpu") us |"
echo "| B/A throughput, per interleaved pair (median; all: $(paste -sd' ' "$WORK/ratio")) | $(median < "$WORK/ratio") | | |"
