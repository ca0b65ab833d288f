// Package monitoringcrds only imports prometheus-operator's API types, so
// that go.mod and go.sum pin them for controller-gen (see go.mod).
package monitoringcrds

import _ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
