// Build-only module pinning staticcheck for `make lint` (hack/lint.sh).
//
// Its own nested module, like hack/tools and hack/tools/envtest: the root
// module's graph never sees honnef.co/go/tools or its x/tools, `go list ./...`
// at the repo root skips this folder, and go.sum here pins exactly what
// hack/lint.sh builds. staticcheck rather than golangci-lint: it builds in
// well under a minute on 2 cores, where golangci-lint compiles hundreds of
// linters, and with go vet it covers the checks we run.
module github.com/dynamodb-source/dynamodb-source/hack/tools/staticcheck

go 1.26.0

tool honnef.co/go/tools/cmd/staticcheck

require (
	github.com/BurntSushi/toml v1.4.1-0.20240526193622-a339e1f7089c // indirect
	golang.org/x/exp/typeparams v0.0.0-20231108232855-2478ac86f678 // indirect
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/tools v0.51.0 // indirect
	honnef.co/go/tools v0.8.2 // indirect
)
