// Package realclients holds, for tests, the UDP datagrams captured from
// real X-Ray SDKs (Go, Python, Node): the team's shared fixtures, copied
// into testdata/ so that tests need nothing outside the repository. Each
// file holds one datagram per line, as a JSON string (header line,
// newline, document); testdata/README.md says what each app did.
package realclients

import (
	"bytes"
	"embed"
	"encoding/json"
	"io/fs"
	"testing"
)

//go:embed testdata/*.jsonl
var captures embed.FS

// The captures, by the SDK that sent them.
const (
	GoSDK     = "go-aws-xray-sdk-go-1.8.5.jsonl"
	PythonSDK = "python-aws-xray-sdk-0.95-flask.jsonl"
	NodeSDK   = "node-aws-xray-sdk-core-3.12.0.jsonl"
)

// Files names every capture.
func Files() []string {
	names, err := fs.Glob(captures, "testdata/*.jsonl")
	if err != nil {
		panic(err) // the pattern is a constant
	}
	for i, n := range names {
		names[i] = n[len("testdata/"):]
	}
	return names
}

// Datagrams returns the datagrams of the capture name, in the order the
// SDK sent them, each as it was on the wire.
func Datagrams(tb testing.TB, name string) [][]byte {
	tb.Helper()
	b, err := captures.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatalf("no real-client capture %s: %v", name, err)
	}
	var out [][]byte
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var dg string
		if err := json.Unmarshal(line, &dg); err != nil {
			tb.Fatalf("%s:%d: a capture line is not a JSON string: %v", name, i+1, err)
		}
		out = append(out, []byte(dg))
	}
	return out
}

// Documents returns what follows the header line in every datagram of
// every capture.
func Documents(tb testing.TB) [][]byte {
	tb.Helper()
	var docs [][]byte
	for _, name := range Files() {
		for _, dg := range Datagrams(tb, name) {
			if _, doc, ok := bytes.Cut(dg, []byte("\n")); ok {
				docs = append(docs, doc)
			}
		}
	}
	return docs
}
