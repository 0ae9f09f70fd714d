{{/* The ImageGate container's environment: Spring settings from the values, secrets by reference only. */}}
{{- define "imagegate.env" -}}
{{- if include "imagegate.clientServer" . }}
- name: IMAGEGATE_TRIVY_SERVER
  value: {{ include "imagegate.trivyServerUrl" . }}
- name: IMAGEGATE_TRIVY_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.trivy.server.tokenSecret.name }}
      key: {{ .Values.trivy.server.tokenSecret.key }}
{{- end }}
{{- with .Values.review.deadline }}
- name: IMAGEGATE_REVIEW_DEADLINE
  value: {{ . | quote }}
{{- end }}
{{- with .Values.cache.tagTtl }}
- name: IMAGEGATE_CACHE_TAG_TTL
  value: {{ . | quote }}
{{- end }}
{{- if ne (int .Values.shutdown.limitSeconds) 22 }}
- name: IMAGEGATE_SHUTDOWN_LIMIT
  value: {{ printf "%ds" (int .Values.shutdown.limitSeconds) | quote }}
{{- end }}
{{- with .Values.alerts.webhook }}
{{- if .enabled }}
- name: IMAGEGATE_ALERTS_WEBHOOK_ENABLED
  value: "true"
{{- if .urlSecret.name }}
- name: IMAGEGATE_ALERTS_WEBHOOK_URL
  valueFrom:
    secretKeyRef: {name: {{ .urlSecret.name }}, key: {{ .urlSecret.key }}}
{{- else }}
- name: IMAGEGATE_ALERTS_WEBHOOK_URL
  value: {{ required "alerts.webhook: give url or urlSecret.name" .url | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.alerts.slack }}
{{- if .enabled }}
- name: IMAGEGATE_ALERTS_SLACK_ENABLED
  value: "true"
- name: IMAGEGATE_ALERTS_SLACK_CHANNEL
  value: {{ .channel | quote }}
- name: IMAGEGATE_ALERTS_SLACK_WEBHOOK_URL
  valueFrom:
    secretKeyRef: {name: {{ required "alerts.slack.webhookUrlSecret.name: the Secret holding Slack's webhook URL" .webhookUrlSecret.name }}, key: {{ .webhookUrlSecret.key }}}
{{- end }}
{{- end }}
{{- with .Values.alerts.email }}
{{- if .enabled }}
- name: IMAGEGATE_ALERTS_EMAIL_ENABLED
  value: "true"
- name: IMAGEGATE_ALERTS_EMAIL_PROTOCOL
  value: {{ .protocol | quote }}
- name: IMAGEGATE_ALERTS_EMAIL_HOST
  value: {{ required "alerts.email.host" .host | quote }}
- name: IMAGEGATE_ALERTS_EMAIL_PORT
  value: {{ .port | quote }}
- name: IMAGEGATE_ALERTS_EMAIL_STARTTLS
  value: {{ .starttls | quote }}
- name: IMAGEGATE_ALERTS_EMAIL_FROM
  value: {{ required "alerts.email.from" .from | quote }}
- name: IMAGEGATE_ALERTS_EMAIL_TO
  value: {{ required "alerts.email.to" .to | quote }}
{{- if .credentialsSecret.name }}
- name: IMAGEGATE_ALERTS_EMAIL_USERNAME
  valueFrom:
    secretKeyRef: {name: {{ .credentialsSecret.name }}, key: {{ .credentialsSecret.usernameKey }}}
- name: IMAGEGATE_ALERTS_EMAIL_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ .credentialsSecret.name }}, key: {{ .credentialsSecret.passwordKey }}}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
