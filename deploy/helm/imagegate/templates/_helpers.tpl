{{/* The objects' base name: the release name, or <release>-imagegate when the release name lacks "imagegate". */}}
{{- define "imagegate.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "imagegate.labels" -}}
app.kubernetes.io/part-of: imagegate
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The pods' labels that Services, the PodDisruptionBudget and anti-affinity select by; component is one of imagegate, trivy-server, redis. */}}
{{- define "imagegate.selector" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "imagegate.tlsSecret" -}}
{{- if .Values.tls.certManager.enabled -}}
{{- printf "%s-tls" (include "imagegate.fullname" .) -}}
{{- else -}}
{{- required "tls.existingSecret: name the Secret with tls.crt, tls.key and ca.crt, or enable tls.certManager" .Values.tls.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "imagegate.clientServer" -}}
{{- if ne .Values.trivy.mode "standalone" }}true{{ end -}}
{{- end -}}

{{/* The chart runs Trivy servers: a client-server mode without an external server URL, or always with Redis. */}}
{{- define "imagegate.runsTrivyServer" -}}
{{- if or (eq .Values.trivy.mode "client-server-redis") (and (eq .Values.trivy.mode "client-server") (not .Values.trivy.server.url)) }}true{{ end -}}
{{- end -}}

{{- define "imagegate.trivyServerUrl" -}}
{{- if and (eq .Values.trivy.mode "client-server") .Values.trivy.server.url -}}
{{- .Values.trivy.server.url -}}
{{- else -}}
{{- printf "http://%s-trivy-server:4954" (include "imagegate.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "imagegate.reviewUrl" -}}
{{- default (printf "https://%s.%s.svc:8443/scan" (include "imagegate.fullname" .) .Release.Namespace) .Values.imagePolicyWebhook.url -}}
{{- end -}}

{{/* The restricted Pod Security Standard's container settings. */}}
{{- define "imagegate.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
