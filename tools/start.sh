#!/usr/bin/env bash
# Starts ImageGate on this machine with the shipped policy (config/policy.yaml) and routes (routes/): installs
# trivy and crane when missing (tools/install.sh run), fetches trivy's vulnerability DB when there is none yet
# (unless --imagegate.trivy.skip-db-update=true is given), builds the jar, and runs it in the foreground. Reviews
# on http://localhost:8080/scan, health and metrics on http://localhost:8081/actuator. Arguments are passed to
# ImageGate, e.g. tools/start.sh --imagegate.trivy.skip-db-update=true --imagegate.trivy.cache-dir=/srv/trivy
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install.sh run
export PATH="$(go env GOPATH)/bin:$PATH"

cache_dir=""
skip_db_update=false
for argument in "$@"; do
  case $argument in
    --imagegate.trivy.cache-dir=*) cache_dir=${argument#*=} ;;
    --imagegate.trivy.skip-db-update=true) skip_db_update=true ;;
  esac
done
db="${cache_dir:-${XDG_CACHE_HOME:-$HOME/.cache}/trivy}/db/metadata.json"
if [ "$skip_db_update" = false ] && [ ! -f "$db" ]; then
  # Once, so that the first review does not wait for it: about 80 MB from ghcr.io/aquasecurity/trivy-db.
  echo "start: downloading trivy's vulnerability DB"
  trivy image --download-db-only ${cache_dir:+--cache-dir "$cache_dir"}
fi

./mvnw -B -q -ntp package -DskipTests
exec java -jar target/imagegate.jar "$@"
