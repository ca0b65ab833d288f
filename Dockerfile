# One image, two programs, both static and run as a non-root user:
#   dynamodb-source             the CLI; `dynamodb-source adapter` is what the
#                               controller's adapter Deployments run
#   dynamodb-source-controller  the Kubernetes controller (config/manager)
#
#   docker build -t <registry>/dynamodb-source:<tag> .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static binaries (CGO_ENABLED=0 inside): test/ops runs this same script and
# checks that what it builds has no ELF interpreter and runs with no libc.
RUN hack/build-static.sh /out

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
# Numeric, so that Kubernetes can check runAsNonRoot.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/dynamodb-source"]
