#!/usr/bin/env bash
# A/B benchmark of cached reviews: two ImageGate jars (say main's and a branch's) side by side, with the
# project's test-double trivy and crane, measured in interleaved rounds (A B B A ...) so both see the same
# machine noise. Reports each jar's median throughput and latency and the median B/A throughput ratio over
# the pairs. Usage: [WARMUP=60] [ROUNDS=6] bench/ab.sh JAR_A JAR_B [seconds-per-round]
# Both jars must serve /scan on imagegate.review.port (ImageGate since the Vert.x engine); the actuator is on
# the port after it.
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
IMAGE=registry.test/bench/clean:1
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

start() { # start name jar port (review; the actuator on port + 1)
  java $JVM_OPTS -jar "$2" --imagegate.review.port="$3" --server.port="$(($3 + 1))" --imagegate.trivy.command="$PWD/src/test/trivy/trivy" \
    --imagegate.crane.command="$PWD/src/test/crane/crane" --logging.level.imagegate.audit=WARN > "$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  until curl -sf "http://127.0.0.1:$(($3 + 1))/actuator/health/readiness" >/dev/null; do
    kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$WORK/$1.log"; exit 1; }
    sleep 0.2
  done
}
ms() { awk '{ v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f\n", v }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
round() { # round name port -> appends rps, p50, p99
  wrk -t2 -c32 -d"${ROUND}s" --latency -s "$WORK/post.lua" "http://127.0.0.1:$2/scan?timeout=30s" > "$WORK/wrk"
  awk '/Requests\/sec/ {print $2}' "$WORK/wrk" | tee -a "$WORK/$1.rps"
  awk '$1 == "50%" {print $2}' "$WORK/wrk" | ms >> "$WORK/$1.p50"
  awk '$1 == "99%" {print $2}' "$WORK/wrk" | ms >> "$WORK/$1.p99"
}

cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"kind":"ImageReview","apiVersion":"imagepolicy.k8s.io/v1alpha1","metadata":{"creationTimestamp":null},"spec":{"containers":[{"image":"$IMAGE"}],"namespace":"default"},"status":{"allowed":false}}'
wrk.headers["Content-Type"] = "application/json"
LUA
start a "$JAR_A" 18180
start b "$JAR_B" 18280
for port in 18180 18280; do
  curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary "$(awk -F"'" '/wrk.body/ {print $2}' "$WORK/post.lua")" \
    "http://127.0.0.1:$port/scan?timeout=30s"
  wrk -t2 -c32 -d"${WARMUP}s" -s "$WORK/post.lua" "http://127.0.0.1:$port/scan?timeout=30s" >/dev/null
done
for i in $(seq "$ROUNDS"); do
  if [ $((i % 2)) -eq 1 ]; then a=$(round a 18180); b=$(round b 18280); else b=$(round b 18280); a=$(round a 18180); fi
  echo "$a $b" | awk '{printf "%.3f\n", $2 / $1}' >> "$WORK/ratio"
done
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), JVM options: $JVM_OPTS, $ROUNDS x ${ROUND}s rounds per jar"
echo "| jar | cached reviews/s (median) | p50 / p99 (median) |"
echo "|---|---|---|"
echo "| A $JAR_A | $(median < "$WORK/a.rps") | $(median < "$WORK/a.p50") ms / $(median < "$WORK/a.p99") ms |"
echo "| B $JAR_B | $(median < "$WORK/b.rps") | $(median < "$WORK/b.p50") ms / $(median < "$WORK/b.p99") ms |"
echo "| B/A throughput, per interleaved pair (median; all: $(paste -sd' ' "$WORK/ratio")) | $(median < "$WORK/ratio") | |"
