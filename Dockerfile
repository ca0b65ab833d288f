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
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /out/dynamodb-source ./cmd/dynamodb-source && \
    go build -trimpath -ldflags="-s -w" -o /out/dynamodb-source-controller ./cmd/dynamodb-source-controller

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
# Numeric, so that Kubernetes can check runAsNonRoot.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/dynamodb-source"]
