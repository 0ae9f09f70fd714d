#!/usr/bin/env bash
# Reads bench/deployment-admission-review.json with ImageGate's records and with fabric8's AdmissionReview model,
# interleaved (bench/AdmissionModels.java); fetches fabric8's model jars into the local Maven repository first.
# Usage: bench/models.sh [seconds-per-round]
set -euo pipefail
cd "$(dirname "$0")/.."
FABRIC8=7.9.0
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ -f target/imagegate.jar ] || ./mvnw -q -B -ntp package -DskipTests
java -Djarmode=tools -jar target/imagegate.jar extract --destination "$WORK/app" >/dev/null
cp=("$WORK/app/imagegate.jar" "$WORK/app/lib/*")
for model in admissionregistration apps core common; do
  ./mvnw -q -B -ntp dependency:get -Dartifact="io.fabric8:kubernetes-model-$model:$FABRIC8" >/dev/null
  cp+=("$HOME/.m2/repository/io/fabric8/kubernetes-model-$model/$FABRIC8/kubernetes-model-$model-$FABRIC8.jar")
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx256m -cp "$(IFS=:; echo "${cp[*]}")" bench/AdmissionModels.java bench/deployment-admission-review.json "${1:-5}"
