#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kubectl from the Kubernetes release that e2e/go.mod
# requires (the module set of the ImagePolicyWebhook harness), stamped with that version as Kubernetes' own
# release build stamps it, into a directory that outlives the work tree; does nothing when the three are
# there with that version. Prints the directory. ControlPlaneEndToEndIT runs it; so does .ci/run, timed.
# Usage: e2e/build-kubernetes.sh [DIR]   (default: ~/.cache/imagegate/kubernetes-<version>)
set -euo pipefail
cd "$(dirname "$0")"
export GOTOOLCHAIN=local
version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/imagegate/kubernetes-$version}

# Each binary's output is read whole: `| grep -q` would stop reading at the first match, and under pipefail
# kubectl's SIGPIPE on its second line would count as "not built".
built() {
  [ "$("$dir/kube-apiserver" --version 2>/dev/null)" = "Kubernetes $version" ] &&
    [ "$("$dir/kube-controller-manager" --version 2>/dev/null)" = "Kubernetes $version" ] &&
    "$dir/kubectl" version --client 2>/dev/null | grep -x "Client Version: $version" >/dev/null
}

if ! built; then
  echo "building kube-apiserver, kube-controller-manager and kubectl $version into $dir" \
    "(the first build takes about 20 CPU-minutes; Go's build cache makes a rebuild quick)" >&2
  minor=${version#v*.}; minor=${minor%%.*}
  stamp=""
  for package in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    stamp+=" -X $package.gitVersion=$version -X $package.gitMajor=1 -X $package.gitMinor=$minor"
    stamp+=" -X $package.gitTreeState=clean"
  done
  mkdir -p "$(dirname "$dir")"
  staging=$(mktemp -d "$dir.build.XXXXXX")
  chmod 755 "$staging"
  go build -ldflags "-s -w$stamp" -o "$staging/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl
  rm -rf "$dir"
  mv "$staging" "$dir"
  built || { echo "built binaries in $dir do not report $version" >&2; exit 1; }
fi
echo "$dir"
