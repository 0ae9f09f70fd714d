#!/usr/bin/env bash
# ImageGate benchmark: starts the real jar with the project's test-double trivy (known scan delays) and
# test-double crane (tag lookups), and measures the figures BENCHMARKS.md records. Usage: [WARMUP=60] bench/run.sh [seconds-per-round]
# Needs wrk and curl (wrk: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUND=${1:-10}
WARMUP=${WARMUP:-60}
PORT=18080
WORK=$(mktemp -d)
JAR=target/imagegate.jar
TRIVY="$PWD/src/test/trivy/trivy"
CRANE="$PWD/src/test/crane/crane"
JVM_OPTS=${JVM_OPTS:--Xmx256m}
trap 'stop; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -f "$JAR" ] || ./mvnw -q -B -ntp package -DskipTests

PID=""
RUN_JAR="-jar $JAR"
start() { # start [extra properties...]; sets PID and STARTUP (seconds to ready)
  : > "$WORK/trivy.log"
  local t0; t0=$(date +%s.%N)
  java $JVM_OPTS $RUN_JAR --server.port=$PORT --imagegate.trivy.command="$TRIVY" --imagegate.crane.command="$CRANE" \
    --imagegate.trivy.environment.TRIVY_DOUBLE_LOG="$WORK/trivy.log" --logging.level.imagegate.audit=WARN \
    "$@" > "$WORK/app.log" 2>&1 &
  PID=$!
  until curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null; do
    kill -0 $PID 2>/dev/null || { cat "$WORK/app.log"; exit 1; }
    sleep 0.05
  done
  STARTUP=$(echo "$(date +%s.%N) - $t0" | bc)
}
stop() { if [ -n "$PID" ]; then kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; fi; PID=""; }

review() { # review image... -> request body
  local containers="" image
  for image in "$@"; do containers+="${containers:+,}{\"image\":\"$image\"}"; done
  printf '{"kind":"ImageReview","apiVersion":"imagepolicy.k8s.io/v1alpha1","metadata":{"creationTimestamp":null},"spec":{"containers":[%s],"namespace":"default"},"status":{"allowed":false}}\n' "$containers"
}
post() { # post body -> "seconds status-line"
  curl -s -o "$WORK/answer.json" -w '%{time_total}\n' -H 'Content-Type: application/json' --data-binary "$1" \
    "http://127.0.0.1:$PORT/scan?timeout=30s"
}
runs_of() { # runs_of repository:tag -> trivy runs (trivy is given the digest the test-double crane gives the tag)
  local pinned="${1%:*}@sha256:$(printf '%s' "$1" | sha256sum | cut -c1-64)"
  grep -c "^start.*	$pinned	cwd=" "$WORK/trivy.log" || true
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms() { awk '{ v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f\n", v }'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1), JVM options: $JVM_OPTS"
echo

# Start-up time to ready, three times.
for i in 1 2 3; do start; echo "$STARTUP" >> "$WORK/startup"; stop; done
echo "| start-up to ready (median of 3) | $(median < "$WORK/startup") s |"

# The same with a class data sharing archive, as the Dockerfile builds it.
java -Djarmode=tools -jar "$JAR" extract --destination "$WORK/cds" >/dev/null
java -XX:ArchiveClassesAtExit="$WORK/cds/app.jsa" -Dspring.context.exit=onRefresh -jar "$WORK/cds/imagegate.jar" \
  --imagegate.trivy.command="$TRIVY" --server.port=$PORT > "$WORK/cds-training.log" 2>&1
RUN_JAR="-XX:SharedArchiveFile=$WORK/cds/app.jsa -jar $WORK/cds/imagegate.jar"
for i in 1 2 3; do start; echo "$STARTUP" >> "$WORK/startup-cds"; stop; done
echo "| start-up to ready with a CDS archive (median of 3) | $(median < "$WORK/startup-cds") s |"
RUN_JAR="-jar $JAR"

# Cached reviews at 32 connections.
start
IMAGE=registry.test/bench/clean:1
post "$(review $IMAGE)" >/dev/null
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$(review $IMAGE)'
wrk.headers["Content-Type"] = "application/json"
LUA
# Warm-up: on 2 cores the C2 compiler alone takes ~45 s of CPU in the first two minutes under this load,
# competing with the requests; a round measured before it settles reports the JIT, not the service.
wrk -t2 -c32 -d"${WARMUP}s" -s "$WORK/post.lua" "http://127.0.0.1:$PORT/scan?timeout=30s" >/dev/null
sleep 5
# Each review round is paired with a round on /actuator/health/liveness, the same Tomcat and Spring MVC
# without Camel or ImageGate's work: the ratio of the two moves much less with the VM's noise than either.
for i in 1 2 3; do
  wrk -t2 -c32 -d"${ROUND}s" --latency -s "$WORK/post.lua" "http://127.0.0.1:$PORT/scan?timeout=30s" > "$WORK/wrk.$i"
  awk '/Requests\/sec/ {print $2}' "$WORK/wrk.$i" >> "$WORK/rps"
  awk '$1 == "50%" {print $2}' "$WORK/wrk.$i" | ms >> "$WORK/p50"
  awk '$1 == "99%" {print $2}' "$WORK/wrk.$i" | ms >> "$WORK/p99"
  baseline=$(wrk -t2 -c32 -d"${ROUND}s" "http://127.0.0.1:$PORT/actuator/health/liveness" | awk '/Requests\/sec/ {print $2}')
  echo "$(tail -1 "$WORK/rps") $baseline" | awk '{printf "%.2f\n", $1 / $2}' >> "$WORK/ratio"
  echo "$baseline" >> "$WORK/baseline"
done
echo "| cached reviews, 32 connections: throughput (median of 3 x ${ROUND}s) | $(median < "$WORK/rps") reviews/s |"
echo "| cached reviews, 32 connections: p50 / p99 latency | $(median < "$WORK/p50") ms / $(median < "$WORK/p99") ms |"
echo "| the paired rounds on /actuator/health/liveness (median) | $(median < "$WORK/baseline") requests/s |"
echo "| cached reviews / liveness requests, per pair (median) | $(median < "$WORK/ratio") |"
echo "| cached reviews: trivy runs | $(runs_of $IMAGE) |"

# Memory after 100,000 cached reviews (counting the ones above).
total=0
for f in "$WORK"/wrk.*; do total=$((total + $(awk '/requests in/ {print $1}' "$f"))); done
while [ "$total" -lt 100000 ]; do
  n=$(wrk -t2 -c32 -d"${ROUND}s" -s "$WORK/post.lua" "http://127.0.0.1:$PORT/scan?timeout=30s" | awk '/requests in/ {print $1}')
  total=$((total + n))
done
echo "| RSS after $total cached reviews | $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$PID/status) |"
stop

# A hanging alert sink: every review of a vulnerable image alerts (window 1 ms) to a webhook whose server
# accepts connections and never answers. Admission latency should match the same load with no sink.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 18099)); s.listen(4096); time.sleep(10**6)' &
BLACKHOLE=$!
IMAGE=registry.test/alerting/vulnerable:1
cat > "$WORK/denied.lua" <<LUA
wrk.method = "POST"
wrk.body = '$(review $IMAGE)'
wrk.headers["Content-Type"] = "application/json"
LUA
for sink in none hanging; do
  if [ $sink = none ]; then start --imagegate.alerts.window=1ms; else
    start --imagegate.alerts.window=1ms --imagegate.alerts.webhook.enabled=true --imagegate.alerts.webhook.url=http://127.0.0.1:18099/hook
  fi
  post "$(review $IMAGE)" >/dev/null
  wrk -t2 -c32 -d"${ROUND}s" -s "$WORK/denied.lua" "http://127.0.0.1:$PORT/scan?timeout=30s" >/dev/null
  wrk -t2 -c32 -d"${ROUND}s" --latency -s "$WORK/denied.lua" "http://127.0.0.1:$PORT/scan?timeout=30s" > "$WORK/sink.$sink"
  echo "| denied reviews alerting, sink $sink: throughput, p50 / p99 | $(awk '/Requests\/sec/ {print $2}' "$WORK/sink.$sink") reviews/s, $(awk '$1 == "50%" {print $2}' "$WORK/sink.$sink" | ms) ms / $(awk '$1 == "99%" {print $2}' "$WORK/sink.$sink" | ms) ms |"
  if [ $sink = hanging ]; then
    echo "| alerts dropped with the sink hanging | $(curl -s "http://127.0.0.1:$PORT/actuator/prometheus" | awk '/^imagegate_alerts_dropped_total/ {print $2}') |"
  fi
  stop
done
kill $BLACKHOLE

# Herd: 100 simultaneous reviews of one uncached image, scans taking 1 s.
start --imagegate.trivy.environment.TRIVY_DOUBLE_DELAY=1
IMAGE=registry.test/herd/vulnerable:1
BODY=$(review $IMAGE)
seq 100 | xargs -P 100 -I{} curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
  --data-binary "$BODY" "http://127.0.0.1:$PORT/scan?timeout=30s" | sort -n > "$WORK/herd"
echo "| herd: 100 simultaneous reviews of one new image (scan 1 s): trivy runs | $(runs_of $IMAGE) |"
echo "| herd: p50 / p99 latency | $(awk 'NR==50' "$WORK/herd") s / $(awk 'NR==99' "$WORK/herd") s |"
stop

# Cold fan-out: 4 distinct uncached images, each scan 1 s, 4 scans at once.
start --imagegate.trivy.environment.TRIVY_DOUBLE_DELAY=1 --imagegate.scan.max-concurrent=4
for i in 1 2 3; do
  post "$(review registry.test/fan$i/clean:1 registry.test/fan$i/clean:2 registry.test/fan$i/medium:3 registry.test/fan$i/nothing:4)" >> "$WORK/fanout"
done
echo "| cold fan-out: 4 new images, scan 1 s each, max-concurrent 4 (median of 3) | $(median < "$WORK/fanout") s |"
stop

# Deadline: a scan that hangs, deadline 5 s.
start --imagegate.review.deadline=5s
took=$(post "$(review registry.test/stuck/hang:1)")
echo "| deadline 5 s, scan hangs: answered after | $took s ($(grep -o '"verdict":"[A-Z]*"' "$WORK/answer.json")) |"
stop
