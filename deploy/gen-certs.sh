#!/usr/bin/env bash
# Makes the TLS material for ImageGate and the kube-apiserver webhook client, with openssl, in OUT_DIR:
#   ca.crt/ca.key                   a CA that signs both sides
#   server.crt/server.key           ImageGate's serving certificate, SANs for the Service's DNS names and IPs
#   apiserver-client.crt/.key       the client certificate kube-apiserver presents (mutual TLS)
#   webhook.kubeconfig              the kubeconfig the ImagePolicyWebhook plugin reads (from
#                                   deploy/apiserver/webhook.kubeconfig.template; it embeds the client key)
# The *.key files and webhook.kubeconfig are PRIVATE KEYS (mode 600): keep OUT_DIR out of version control
# (.gitignore ignores out/), hand them only to ImageGate's Secret and the API server, and keep ca.key offline.
# Usage: deploy/gen-certs.sh OUT_DIR [SERVER_URL] [extra SAN ...]
#   SERVER_URL defaults to https://imagegate.imagegate.svc:8443/scan; extra SANs are DNS names or IPs.
set -euo pipefail
out=${1:?usage: gen-certs.sh OUT_DIR [SERVER_URL] [extra SAN ...]}
url=${2:-https://imagegate.imagegate.svc:8443/scan}
shift $(( $# < 2 ? $# : 2 ))
days=${DAYS:-825}
template="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/apiserver/webhook.kubeconfig.template"
mkdir -p "$out"
cd "$out"

sans="DNS:imagegate,DNS:imagegate.imagegate,DNS:imagegate.imagegate.svc,DNS:imagegate.imagegate.svc.cluster.local,DNS:localhost,IP:127.0.0.1"
for san in "$@"; do
  if [[ $san =~ ^[0-9.]+$ || $san == *:* ]]; then sans+=",IP:$san"; else sans+=",DNS:$san"; fi
done

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -subj "/CN=imagegate-ca" \
  -keyout ca.key -out ca.crt 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=imagegate" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' "$sans" > server.ext
openssl x509 -req -sha256 -days "$days" -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -extfile server.ext -out server.crt 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=kube-apiserver" -keyout apiserver-client.key \
  -out apiserver-client.csr 2>/dev/null
printf 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' > client.ext
openssl x509 -req -sha256 -days "$days" -in apiserver-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -extfile client.ext -out apiserver-client.crt 2>/dev/null

rm -f server.csr server.ext apiserver-client.csr client.ext ca.srl
chmod 600 ./*.key

kubeconfig=$(grep -v '^#' "$template")
kubeconfig=${kubeconfig//'${SERVER_URL}'/$url}
kubeconfig=${kubeconfig//'${CA_CRT_BASE64}'/$(base64 -w0 ca.crt)}
kubeconfig=${kubeconfig//'${CLIENT_CRT_BASE64}'/$(base64 -w0 apiserver-client.crt)}
kubeconfig=${kubeconfig//'${CLIENT_KEY_BASE64}'/$(base64 -w0 apiserver-client.key)}
(umask 077; printf '%s\n' "$kubeconfig" > webhook.kubeconfig)
chmod 600 webhook.kubeconfig
echo "wrote $(pwd): ca.crt server.crt apiserver-client.crt, and the private keys ca.key server.key apiserver-client.key webhook.kubeconfig (mode 600; server SANs: $sans)"
