package query

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares v, as indented JSON, with testdata/name; -update rewrites
// the file instead.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("cannot marshal %s: %v", name, err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("cannot write golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking the change)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// The builders below keep fragments readable in tests: a node is written as
// svc("web", "AWS::EC2::Instance", obs...) and an edge as to(index, obs...).

func obs(start, end float64, o trace.Outcome) trace.Observation {
	return trace.Observation{Start: start, End: end, Outcome: o}
}

// withDur sets the trace duration of observations.
func withDur(d float64, os ...trace.Observation) []trace.Observation {
	for i := range os {
		os[i].Duration = d
	}
	return os
}

func svc(name, typ string, o []trace.Observation, edges ...trace.Edge) trace.Node {
	return trace.Node{ServiceID: trace.ServiceID{Name: name, Names: []string{name}, Type: typ}, Obs: o, Edges: edges}
}

func root(n trace.Node) trace.Node { n.Root = true; return n }

func inferred(n trace.Node) trace.Node { n.Inferred = true; return n }

func account(n trace.Node, acct string) trace.Node { n.AccountID = acct; return n }

func client(name string, edges ...trace.Edge) trace.Node {
	return trace.Node{ServiceID: trace.ServiceID{Name: name, Type: TypeClient}, Client: true, Edges: edges}
}

func to(target int, o ...trace.Observation) trace.Edge { return trace.Edge{Target: target, Obs: o} }

// shopTrace is the checklist graph of the spec (§8.5): a client calls an EC2
// service, which calls DynamoDB (a table) and SNS, neither instrumented.
// base shifts the trace in time; outcome applies to the root segment.
func shopTrace(base float64, outcome trace.Outcome) *trace.Graph {
	return &trace.Graph{Nodes: []trace.Node{
		client("shop", to(1, obs(base, base+0.250, outcome))),
		root(account(svc("shop", "AWS::EC2::Instance", withDur(0.250, obs(base, base+0.250, outcome)),
			to(2, obs(base+0.010, base+0.050, trace.OK)),
			to(3, obs(base+0.060, base+0.200, trace.Throttle)),
		), "123456789012")),
		inferred(svc("orders", "AWS::DynamoDB::Table", withDur(0.250, obs(base+0.010, base+0.050, trace.OK)))),
		inferred(svc("SNS", "AWS::SNS", withDur(0.250, obs(base+0.060, base+0.200, trace.Throttle)))),
	}}
}
