#!/usr/bin/env bash
# The one list of the tools ImageGate runs and tests with, at pinned versions. tools/start.sh installs the
# `run` set before starting ImageGate; .ci/run installs the `test` set before `./mvnw verify`. Each tool is
# reused when it is already there at its version (Go's module and build caches make a rebuild quick), and each
# part prints how long it took. Go tools land in $(go env GOPATH)/bin; the Kubernetes binaries in
# ~/.cache/imagegate/ (e2e/build-kubernetes.sh).
#
# Usage: tools/install.sh [run|test|PART...]     (default: run)
#   run   trivy, crane: what ImageGate itself calls
#   test  every part below: what the whole test suite (./mvnw verify) runs
#   PART  packages trivy crane promtool kustomize helm cosign kubernetes
# Needs Go 1.26 (trivy's build needs GOEXPERIMENT=jsonv2, which Go 1.27 no longer has) and, for `packages`,
# Debian/Ubuntu's apt-get (run as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

TRIVY_VERSION=v0.74.0
CRANE_VERSION=v0.22.1
PROMTOOL_VERSION=v0.316.0
KUSTOMIZE_VERSION=v5.5.0
HELM_VERSION=v4.3.2
COSIGN_VERSION=v2.6.4
# Debian packages (command they provide): docker-registry and etcd-server run in the end-to-end suite on
# loopback, redis-server in the scale-out test, openssl makes the test certificates (deploy/gen-certs.sh).
APT_PACKAGES=(openssl:openssl docker-registry:docker-registry etcd-server:etcd redis-server:redis-server)

export GOTOOLCHAIN=local
export PATH="$(go env GOPATH)/bin:$PATH"

timed() {
  local part=$1 started=$SECONDS
  shift
  "$@"
  echo "tools: $part: $((SECONDS - started)) s"
}

# The main module's version recorded in a go-installed binary (e.g. "v0.22.1"), empty when absent.
module_version() {
  local binary
  binary=$(command -v "$1" 2>/dev/null) || return 0
  go version -m "$binary" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

go_install() {
  local name=$1 version=$2 package=$3
  shift 3
  if [ "$(module_version "$name")" = "$version" ]; then
    echo "tools: $name $version present"
    return
  fi
  echo "tools: building $name $version (from the Go module proxy)"
  go install "$@" "$package@$version"
}

install_packages() {
  local missing=() entry
  for entry in "${APT_PACKAGES[@]}"; do
    command -v "${entry#*:}" >/dev/null || missing+=("${entry%%:*}")
  done
  [ ${#missing[@]} -eq 0 ] && { echo "tools: apt packages present"; return; }
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # The packages try to start their services; policy-rc.d may refuse that, which is fine: the tests start
  # their own registry, etcd and redis on loopback.
  $sudo apt-get install -y -qq "${missing[@]}"
}

install_trivy() {
  # Stamped with its version as trivy's release build does (a plain go install reports "dev"), and built with
  # GOEXPERIMENT=jsonv2 as that build is: its JSON code uses encoding/json/v2's SkipFunc.
  if trivy --version 2>/dev/null | grep -qx "Version: ${TRIVY_VERSION#v}"; then
    echo "tools: trivy $TRIVY_VERSION present"
    return
  fi
  echo "tools: building trivy $TRIVY_VERSION (about 15 min on 2 cores the first time)"
  GOEXPERIMENT=jsonv2 go install -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
    "github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION"
}

install_kustomize() {
  # kubectl has kustomize built in; the standalone one is only for machines without kubectl.
  if command -v kubectl >/dev/null || command -v kustomize >/dev/null; then
    echo "tools: kustomize present ($(command -v kubectl || command -v kustomize))"
    return
  fi
  go_install kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5
}

install_kubernetes() {
  echo "tools: Kubernetes binaries in $(e2e/build-kubernetes.sh)"
}

install() {
  case $1 in
    packages) timed "apt packages" install_packages ;;
    trivy) timed "trivy $TRIVY_VERSION" install_trivy ;;
    crane) timed "crane $CRANE_VERSION" go_install crane "$CRANE_VERSION" github.com/google/go-containerregistry/cmd/crane ;;
    promtool) timed "promtool $PROMTOOL_VERSION" go_install promtool "$PROMTOOL_VERSION" github.com/prometheus/prometheus/cmd/promtool ;;
    kustomize) timed "kustomize" install_kustomize ;;
    helm) timed "helm $HELM_VERSION" go_install helm "$HELM_VERSION" helm.sh/helm/v4/cmd/helm ;;
    cosign) timed "cosign $COSIGN_VERSION" go_install cosign "$COSIGN_VERSION" github.com/sigstore/cosign/v2/cmd/cosign ;;
    kubernetes) timed "Kubernetes binaries" install_kubernetes ;;
    *) echo "tools/install.sh: unknown part '$1' (run, test, packages, trivy, crane, promtool, kustomize, helm, cosign, kubernetes)" >&2
       exit 2 ;;
  esac
}

[ $# -gt 0 ] || set -- run
for part in "$@"; do
  case $part in
    run) install trivy; install crane ;;
    test) for each in packages trivy crane promtool kustomize helm cosign kubernetes; do install "$each"; done ;;
    *) install "$part" ;;
  esac
done
