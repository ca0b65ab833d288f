{{/* The prefix of every object's name. */}}
{{- define "dynamodb-source.fullname" -}}
{{- if contains "dynamodb-source" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-dynamodb-source" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The controller's objects' name. */}}
{{- define "dynamodb-source.controller" -}}
{{- printf "%s-controller" (include "dynamodb-source.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "dynamodb-source.labels" -}}
app.kubernetes.io/part-of: dynamodb-source
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The controller pod's selector: the same label as config/manager, which
the controller PodMonitor (config/prometheus/podmonitor.yaml) selects. */}}
{{- define "dynamodb-source.selector" -}}
app.kubernetes.io/name: dynamodb-source-controller
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "dynamodb-source.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
dynamodb-source.objects renders the YAML documents of a file kept in files/
(a byte-for-byte copy of one under config/, checked by test/ops) with the
release's namespace and extra labels: (list $ "files/…" $labels).
*/}}
{{- define "dynamodb-source.objects" -}}
{{- $root := index . 0 -}}
{{- $labels := index . 2 -}}
{{- range $doc := regexSplit "(?m)^---\\s*$" ($root.Files.Get (index . 1)) -1 }}
{{- $obj := fromYaml $doc }}
{{- if $obj }}
{{- $meta := $obj.metadata }}
{{- $_ := set $meta "namespace" $root.Release.Namespace }}
{{- $_ := set $meta "labels" (merge (dict) ($labels | default dict) (include "dynamodb-source.labels" $root | fromYaml) ($meta.labels | default dict)) }}
---
{{ toYaml $obj }}
{{- end }}
{{- end }}
{{- end -}}
