#!/usr/bin/env bash
# The TLS material of the end-to-end suite's loopback control plane (ControlPlaneEndToEndIT), with openssl,
# laid out as kubeadm lays out a cluster's:
#   ca.crt/ca.key                       the cluster CA (serving certificate, client certificates, kube-root-ca.crt)
#   apiserver.crt/.key                  kube-apiserver's serving certificate, for 127.0.0.1 and localhost
#   admin.crt/.key, admin.kubeconfig    kubectl's user, in group system:masters
#   controller-manager.crt/.key, controller-manager.kubeconfig
#                                       system:kube-controller-manager (its controllers then use their own
#                                       service accounts' tokens)
#   service-account.key/.pub            the key pair service-account tokens are signed and checked with
# Usage: e2e/control-plane-pki.sh OUT_DIR APISERVER_URL
set -euo pipefail
out=${1:?usage: control-plane-pki.sh OUT_DIR APISERVER_URL}
server=${2:?usage: control-plane-pki.sh OUT_DIR APISERVER_URL}
mkdir -p "$out"
cd "$out"

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=e2e-kubernetes-ca" \
  -keyout ca.key -out ca.crt 2>/dev/null

# certificate NAME SUBJECT EXTENSIONS
certificate() {
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -sha256 -days 2 -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
certificate apiserver "/CN=kube-apiserver" \
  "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
keyUsage=digitalSignature,keyEncipherment"
certificate admin "/O=system:masters/CN=e2e-admin" "extendedKeyUsage=clientAuth"
certificate controller-manager "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"

openssl genrsa -out service-account.key 2048 2>/dev/null
openssl rsa -in service-account.key -pubout -out service-account.pub 2>/dev/null
rm -f ca.srl
chmod 600 ./*.key

# kubeconfig NAME
kubeconfig() {
  cat > "$1.kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: e2e
    cluster:
      server: $server
      certificate-authority: $PWD/ca.crt
users:
  - name: $1
    user:
      client-certificate: $PWD/$1.crt
      client-key: $PWD/$1.key
contexts:
  - name: e2e
    context: {cluster: e2e, user: $1}
current-context: e2e
KUBECONFIG
}
kubeconfig admin
kubeconfig controller-manager
