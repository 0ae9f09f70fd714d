#!/usr/bin/env bash
# ImageGate benchmark: starts the real jar with the project's test-double trivy (known scan delays) and
# test-double crane (tag lookups), and prints the figures BENCHMARKS.md records. Requests are sent the way kube-apiserver sends them: POST /scan?timeout=30s
# with Content-Type and Accept JSON, Accept-Encoding: gzip and a Go client's User-Agent.
#
# The cached-review throughput is measured in interleaved rounds against two baselines started beside it,
# answering with ImageGate's own answer (bench/Baselines.java): the floor, a one-step platform-http route on
# the same Camel Vert.x engine that writes its answer at once as ImageGate does (a ByteBuffer), and the ceiling,
# the JDK's HttpServer. The load average is printed before and after: on a shared machine the absolute figures
# swing from minute to minute; the ratios of rounds run back to back move much less, so they are the result.
#
# Usage: [WARMUP=40] [ROUNDS=5] [PACED=30] [JAR=target/imagegate.jar] [ROUTES=routes] [LEGACY=1] bench/run.sh [seconds-per-round]
#   JAR, ROUTES: another build and its route files, e.g. an older commit's, to compare
#   LEGACY=1: the jar serves /scan on server.port (ImageGate before the Vert.x engine)
#   ONLY_HOT_PATH=1: skip start-up, hanging-sink, herd, fan-out and deadline measures
#   IMAGEGATE_ARGS="--name=value ...": more settings for every ImageGate started (e.g. a policy with signature rules)
# Needs wrk, hey and curl (apt-get install wrk hey).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUND=${1:-10}
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-40}
PACED=${PACED:-30}
PORT=18080 MGMT=18081 FLOOR_PORT=18082 CEILING_PORT=18083
WORK=$(mktemp -d)
JAR=${JAR:-target/imagegate.jar}
ROUTES=${ROUTES:-routes}
TRIVY="$PWD/src/test/trivy/trivy"
CRANE="$PWD/src/test/crane/crane"
JVM_OPTS=${JVM_OPTS:--Xmx256m}
USER_AGENT="kube-apiserver/v1.33.0 (linux/amd64) kubernetes/8adc0f0"
BASELINES=()
trap 'stop; for b in "${BASELINES[@]}"; do kill "$b" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

for tool in wrk hey curl; do command -v $tool >/dev/null || { echo "$tool is missing: apt-get install $tool" >&2; exit 1; }; done
[ -f "$JAR" ] || ./mvnw -q -B -ntp package -DskipTests

if [ -n "${LEGACY:-}" ]; then PORTS="--server.port=$PORT --management.server.port=$MGMT"
else PORTS="--imagegate.review.port=$PORT --server.port=$MGMT --imagegate.admission.port=18084"; fi

PID=""
RUN_JAR="-jar $JAR"
start() { # start [extra properties...]; sets PID and STARTUP (seconds to ready)
  : > "$WORK/trivy.log"
  local t0; t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  java $JVM_OPTS $RUN_JAR $PORTS --imagegate.routes-dir="$ROUTES" --imagegate.trivy.command="$TRIVY" \
    --imagegate.crane.command="$CRANE" \
    --imagegate.trivy.environment.TRIVY_DOUBLE_LOG="$WORK/trivy.log" --logging.level.imagegate.audit=WARN \
    ${IMAGEGATE_ARGS:-} "$@" > "$WORK/app.log" 2>&1 &
  PID=$!
  until curl -sf "http://127.0.0.1:$MGMT/actuator/health/readiness" >/dev/null; do
    kill -0 $PID 2>/dev/null || { cat "$WORK/app.log"; exit 1; }
    sleep 0.05
  done
  STARTUP=$(echo "$(date +%s.%N) - $t0" | bc)
}
stop() { if [ -n "$PID" ]; then kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; fi; PID=""; }

review() { # review image... -> request body, as kube-apiserver 1.28-1.33 writes it
  local containers="" image
  for image in "$@"; do containers+="${containers:+,}{\"image\":\"$image\"}"; done
  printf '{"kind":"ImageReview","apiVersion":"imagepolicy.k8s.io/v1alpha1","metadata":{"creationTimestamp":null},"spec":{"containers":[%s],"namespace":"default"},"status":{"allowed":false}}\n' "$containers"
}
post() { # post body [port] -> seconds taken; the answer in $WORK/answer.json
  curl -s -o "$WORK/answer.json" -w '%{time_total}\n' -H 'Content-Type: application/json' --data-binary "$1" \
    "http://127.0.0.1:${2:-$PORT}/scan?timeout=30s"
}
lua() { # lua file body [lua-expression]: a wrk script sending the API server's request (the body from the expression, if given)
  cat > "$1" <<LUA
wrk.method = "POST"
wrk.body = ${3:-'$2'}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, */*"
wrk.headers["Accept-Encoding"] = "gzip"
wrk.headers["User-Agent"] = "$USER_AGENT"
LUA
}
runs_of() { # runs_of repository:tag -> trivy runs (trivy is given the digest the test-double crane gives the tag)
  local pinned="${1%:*}@sha256:$(printf '%s' "$1" | sha256sum | cut -c1-64)"
  grep -c "^start.*	$pinned	cwd=" "$WORK/trivy.log" || true
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms() { awk '{ v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f\n", v }'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# round name pid port script seconds [path]: one wrk round; appends reviews/s, p50, p99 (ms), CPU per request (us)
round() {
  local name=$1 pid=$2 port=$3 script=$4 seconds=$5 path=${6:-/scan} before after out="$WORK/wrk.out"
  before=$(cpu_ticks "$pid")
  wrk -t2 -c32 -d"${seconds}s" --latency -s "$script" "http://127.0.0.1:$port$path?timeout=30s" > "$out"
  after=$(cpu_ticks "$pid")
  grep -q 'Non-2xx' "$out" && { echo "$name: non-2xx answers:" >&2; cat "$out" >&2; }
  awk '/Requests\/sec/ {print $2}' "$out" >> "$WORK/$name.rps"
  awk '$1 == "50%" {print $2}' "$out" | ms >> "$WORK/$name.p50"
  awk '$1 == "99%" {print $2}' "$out" | ms >> "$WORK/$name.p99"
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" '/requests in/ {printf "%.0f\n", t / hz * 1e6 / $1}' "$out" >> "$WORK/$name.cpu"
  awk '/requests in/ {print $1}' "$out" >> "$WORK/requests.$name"
}
row() { # row label name: a table row of medians
  echo "| $1 | $(median < "$WORK/$2.rps") | $(median < "$WORK/$2.p50") / $(median < "$WORK/$2.p99") ms | $(median < "$WORK/$2.cpu") us |"
}
ratio() { paste -d' ' "$WORK/$1.rps" "$WORK/$2.rps" | awk '{printf "%.2f\n", $1 / $2}' | median; }
# paced name port seconds [body-file path]: 200 requests/s from 4 Go clients at 50/s each; prints "p50 / p99 ms"
paced() {
  hey -z "${3}s" -c 4 -q 50 -m POST -T application/json -H "Accept: application/json, */*" -H "User-Agent: $USER_AGENT" \
    -D "${4:-$WORK/body.json}" "http://127.0.0.1:$2${5:-/scan}?timeout=30s" > "$WORK/hey.$1"
  grep -q '\[200\]' "$WORK/hey.$1" || { echo "$1: not all 200:" >&2; cat "$WORK/hey.$1" >&2; }
  echo "$(awk '$1 == "50%" {printf "%.2f", $3 * 1000}' "$WORK/hey.$1") / $(awk '$1 == "99%" {printf "%.2f", $3 * 1000}' "$WORK/hey.$1") ms"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1), JVM options: $JVM_OPTS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), jar $JAR, $ROUNDS interleaved rounds of ${ROUND}s after a ${WARMUP}s warm-up"
echo

# The hot path: cached reviews of a two-image pod; alerting reviews (window 1 ms: each one alerts).
ALLOWED=(registry.test/bench/clean:1 registry.test/bench/nothing:1)
DENIED=(registry.test/bench/vulnerable:1 registry.test/bench/clean:1)
start --imagegate.alerts.window=1ms
review "${ALLOWED[@]}" > "$WORK/body.json"
lua "$WORK/allowed.lua" "$(cat "$WORK/body.json")"
lua "$WORK/denied.lua" "$(review "${DENIED[@]}")"
# /validate: what the API server sends a validating webhook for a Deployment with the same two images, ~10 KB with
# managedFields and the last-applied annotation (read from the file: its JSON escapes are not Lua's).
VALIDATE_BODY="$PWD/bench/deployment-admission-review.json"
lua "$WORK/validate.lua" "" "io.open('$VALIDATE_BODY'):read('*a')"
curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary "@$VALIDATE_BODY" "http://127.0.0.1:$PORT/validate?timeout=15s"
post "$(cat "$WORK/body.json")" >/dev/null
post "$(review "${DENIED[@]}")" >/dev/null
post "$(cat "$WORK/body.json")" >/dev/null
cp "$WORK/answer.json" "$WORK/fixed-answer.json"

java -Djarmode=tools -jar "$JAR" extract --destination "$WORK/app" >/dev/null
# The baselines run on this checkout's jars (an older JAR may not have the Vert.x engine).
[ -f target/imagegate.jar ] || ./mvnw -q -B -ntp package -DskipTests
java -Djarmode=tools -jar target/imagegate.jar extract --destination "$WORK/baselines" >/dev/null
for baseline in floor:$FLOOR_PORT ceiling:$CEILING_PORT; do
  java $JVM_OPTS -cp "$WORK/baselines/lib/*" bench/Baselines.java "${baseline%:*}" "${baseline#*:}" "$WORK/fixed-answer.json" \
    > "$WORK/${baseline%:*}.log" 2>&1 &
  BASELINES+=($!)
done
FLOOR_PID=${BASELINES[0]} CEILING_PID=${BASELINES[1]}
until grep -q ready "$WORK/floor.log" && grep -q ready "$WORK/ceiling.log"; do
  for b in "${BASELINES[@]}"; do kill -0 "$b" 2>/dev/null || { cat "$WORK/floor.log" "$WORK/ceiling.log"; exit 1; }; done
  sleep 0.2
done

# Warm-up: on 2 cores the C2 compiler takes tens of seconds of CPU under this load; a round measured before
# it settles reports the JIT, not the service.
wrk -t2 -c32 -d"${WARMUP}s" -s "$WORK/allowed.lua" "http://127.0.0.1:$PORT/scan?timeout=30s" >/dev/null
wrk -t2 -c32 -d"$((WARMUP / 2))s" -s "$WORK/denied.lua" "http://127.0.0.1:$PORT/scan?timeout=30s" >/dev/null
wrk -t2 -c32 -d"$((WARMUP / 2))s" -s "$WORK/validate.lua" "http://127.0.0.1:$PORT/validate?timeout=15s" >/dev/null
wrk -t2 -c32 -d"$((WARMUP / 2))s" -s "$WORK/allowed.lua" "http://127.0.0.1:$FLOOR_PORT/scan?timeout=30s" >/dev/null
wrk -t2 -c32 -d"$((WARMUP / 2))s" -s "$WORK/allowed.lua" "http://127.0.0.1:$CEILING_PORT/scan?timeout=30s" >/dev/null
sleep 2
for i in $(seq "$ROUNDS"); do
  round imagegate "$PID" $PORT "$WORK/allowed.lua" "$ROUND"
  round floor "$FLOOR_PID" $FLOOR_PORT "$WORK/allowed.lua" "$ROUND"
  round ceiling "$CEILING_PID" $CEILING_PORT "$WORK/allowed.lua" "$ROUND"
  round denied "$PID" $PORT "$WORK/denied.lua" "$ROUND"
  round validate "$PID" $PORT "$WORK/validate.lua" "$ROUND" /validate
done
echo "| 32 connections, medians of $ROUNDS x ${ROUND}s | reviews/s | p50 / p99 | server CPU per request |"
echo "|---|---|---|---|"
row "JDK HttpServer, fixed answer (ceiling)" ceiling
row "one-step platform-http route, Vert.x engine, fixed answer (floor)" floor
row "ImageGate, cached reviews (2 images, allowed)" imagegate
row "ImageGate, denied reviews alerting on every review" denied
row "ImageGate, cached /validate (Deployment AdmissionReview, 10 KB, 2 images, allowed)" validate
echo
echo "| ratio, median of per-round ratios | |"
echo "|---|---|"
echo "| ImageGate / floor | $(ratio imagegate floor) |"
echo "| ImageGate / ceiling | $(ratio imagegate ceiling) |"
echo "| denied (alerting) / allowed ImageGate reviews | $(ratio denied imagegate) |"
echo "| cached /validate / cached /scan | $(ratio validate imagegate) |"
echo "| /validate p99 / /scan p99 (medians) | $(echo "$(median < "$WORK/validate.p99") $(median < "$WORK/imagegate.p99")" | awk '{printf "%.2f", $1 / $2}') |"
echo "| ImageGate p99 / floor p99 (medians) | $(echo "$(median < "$WORK/imagegate.p99") $(median < "$WORK/floor.p99")" | awk '{printf "%.2f", $1 / $2}') |"
echo
FLOOR_PACED=$(paced floor $FLOOR_PORT "$PACED")
IMAGEGATE_PACED=$(paced imagegate $PORT "$PACED")
VALIDATE_PACED=$(paced validate $PORT "$PACED" "$VALIDATE_BODY" /validate)
echo "| paced: 200 requests/s (hey -c 4 -q 50, ${PACED}s) | p50 / p99 |"
echo "|---|---|"
echo "| floor | $FLOOR_PACED |"
echo "| ImageGate, cached reviews | $IMAGEGATE_PACED |"
echo "| ImageGate, cached /validate | $VALIDATE_PACED |"
echo "| ImageGate p50 / floor p50 | $(echo "${IMAGEGATE_PACED%% *} ${FLOOR_PACED%% *}" | awk '{printf "%.2f", $1 / $2}') |"
echo "| load average after the hot path | $(cut -d' ' -f1-3 /proc/loadavg) |"
echo
total=$(cat "$WORK"/requests.imagegate "$WORK"/requests.denied "$WORK"/requests.validate | paste -sd+ | bc)
echo "| cached reviews: trivy runs for ${ALLOWED[0]} | $(runs_of "${ALLOWED[0]}") |"
echo "| RSS after $total reviews ($JVM_OPTS) | $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' "/proc/$PID/status") |"
echo "| alerts logged (imagegate.alerts WARN lines) | $(grep -c 'WARN.*imagegate.alerts' "$WORK/app.log" || true) |"
stop
for b in "${BASELINES[@]}"; do kill "$b" 2>/dev/null || true; done
BASELINES=()
[ -n "${ONLY_HOT_PATH:-}" ] && exit 0
echo

# Start-up time to ready, three times, then with a class data sharing archive as the Dockerfile builds it.
for i in 1 2 3; do start; echo "$STARTUP" >> "$WORK/startup"; stop; done
echo "| start-up to ready (median of 3) | $(median < "$WORK/startup") s |"
# shellcheck disable=SC2086
java -XX:ArchiveClassesAtExit="$WORK/app/app.jsa" -Dspring.context.exit=onRefresh -jar "$WORK/app/$(basename "$JAR")" \
  --imagegate.trivy.command="$TRIVY" --imagegate.routes-dir="$ROUTES" $PORTS > "$WORK/cds-training.log" 2>&1
RUN_JAR="-XX:SharedArchiveFile=$WORK/app/app.jsa -jar $WORK/app/$(basename "$JAR")"
for i in 1 2 3; do start; echo "$STARTUP" >> "$WORK/startup-cds"; stop; done
echo "| start-up to ready with a CDS archive (median of 3) | $(median < "$WORK/startup-cds") s |"
RUN_JAR="-jar $JAR"

# A hanging alert sink: every review of a vulnerable image alerts (window 1 ms) to a webhook whose server
# accepts connections and never answers. Admission latency should match the same load with no sink.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 18099)); s.listen(4096); time.sleep(10**6)' &
BLACKHOLE=$!
for sink in none hanging; do
  if [ $sink = none ]; then start --imagegate.alerts.window=1ms; else
    start --imagegate.alerts.window=1ms --imagegate.alerts.webhook.enabled=true --imagegate.alerts.webhook.url=http://127.0.0.1:18099/hook
  fi
  post "$(review "${DENIED[@]}")" >/dev/null
  wrk -t2 -c32 -d"${ROUND}s" -s "$WORK/denied.lua" "http://127.0.0.1:$PORT/scan?timeout=30s" >/dev/null
  round "sink-$sink" "$PID" $PORT "$WORK/denied.lua" "$ROUND"
  echo "| denied reviews alerting, sink $sink: reviews/s, p50 / p99 | $(cat "$WORK/sink-$sink.rps"), $(cat "$WORK/sink-$sink.p50") / $(cat "$WORK/sink-$sink.p99") ms |"
  if [ $sink = hanging ]; then
    echo "| alerts dropped with the sink hanging | $(curl -s "http://127.0.0.1:$MGMT/actuator/prometheus" | awk '/^imagegate_alerts_dropped_total/ {n += $2} END {print n + 0}') |"
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
