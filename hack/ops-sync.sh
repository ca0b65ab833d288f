#!/usr/bin/env bash
# Regenerate what is derived from one source, so that the two ways to
# install (kustomize in config/, the Helm chart in deploy/helm) cannot drift:
#
#   config/prometheus/prometheusrule.yaml     <- config/prometheus/rules.yaml, wrapped
#   deploy/helm/dynamodb-source/crds/          <- config/crd/bases/
#   deploy/helm/dynamodb-source/files/rbac/    <- config/rbac/ (the files the chart reads)
#   deploy/helm/dynamodb-source/files/prometheus/ <- config/prometheus/
#
# Run it after changing any source (hack/generate.sh changes the CRD and
# role.yaml). test/ops (TestDerivedFilesAreInSync) fails when a copy differs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

chart=deploy/helm/dynamodb-source

# The PrometheusRule object is a header and rules.yaml, indented under spec:
# (comment lines included, empty lines kept empty).
{
	cat <<'HEADER'
# Generated from rules.yaml by hack/ops-sync.sh: edit rules.yaml (and its
# tests, rules_test.yaml), then run the script.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: dynamodb-source
  labels:
    app.kubernetes.io/part-of: dynamodb-source
spec:
HEADER
	sed -e '/^#/d' -e 's/^\(.\)/  \1/' config/prometheus/rules.yaml
} >config/prometheus/prometheusrule.yaml

mkdir -p "${chart}/crds" "${chart}/files/rbac" "${chart}/files/prometheus"
rm -f "${chart}/crds/"*.yaml
cp config/crd/bases/*.yaml "${chart}/crds/"
for f in role.yaml leader_election.yaml addressable_resolver.yaml addressable_triggermesh.yaml; do
	cp "config/rbac/${f}" "${chart}/files/rbac/${f}"
done
for f in podmonitor.yaml prometheusrule.yaml; do
	cp "config/prometheus/${f}" "${chart}/files/prometheus/${f}"
done
