#!/usr/bin/env bash
# The whole test suite: vet, every package's tests with the race detector
# (several packages run goroutines), then a short run of every fuzz target
# (parsers and decoders of untrusted input) so that their corpora stay valid
# and a shallow crash shows up in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

go vet ./...
go test -race -count=1 -timeout 30m ./...

fuzz() { # package target
  echo "fuzz $2 in $1 for ${FUZZTIME:-15s}"
  go test -run '^$' -fuzz "^$2\$" -fuzztime "${FUZZTIME:-15s}" -fuzzminimizetime 5s "$1"
}
fuzz ./segment FuzzParse
fuzz ./internal/daemon FuzzDatagram
fuzz ./internal/filterexpr FuzzParse
fuzz ./internal/store/local FuzzSummaryDecode
fuzz ./internal/trace/summarycodec FuzzDecode
fuzz ./internal/store/clickhouse FuzzPackedDocument
fuzz ./internal/query FuzzCompileFilter
fuzz ./internal/forward FuzzScanDocuments
fuzz ./internal/forward FuzzAppendJSONString
fuzz ./internal/otlp FuzzTranslate
