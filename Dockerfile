# ferry, for docker-compose.yml's ferry profile. confluent-kafka-go links a
# bundled librdkafka through cgo, so the binary is built against glibc and
# runs on the matching Debian release.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .git is not in the build context: the version and commit come in as build
# arguments (make image, or FERRY_VERSION/FERRY_COMMIT for docker compose).
ARG VERSION=""
ARG COMMIT=""
RUN CGO_ENABLED=1 go build -trimpath \
    -ldflags "-X github.com/ferry-cdc/ferry/internal/version.version=${VERSION} -X github.com/ferry-cdc/ferry/internal/version.commit=${COMMIT}" \
    -o /out/ferry ./cmd/ferry

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ferry /usr/local/bin/ferry
USER 65532:65532
ENTRYPOINT ["ferry"]
