package trace

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/realclients"
	"github.com/lightbox-tracing/lightbox/segment"
)

// fixtureTrace is one trace of a fixture file: its documents in the order the
// SDK sent them.
type fixtureTrace struct {
	ID   string
	Docs []*segment.Document
}

// loadFixture reads a real-client capture (realclients) and groups its
// documents by trace, in order of first appearance.
func loadFixture(t testing.TB, name string) []fixtureTrace {
	t.Helper()
	var traces []fixtureTrace
	at := map[string]int{}
	for n, datagram := range realclients.Datagrams(t, name) {
		raw, err := segment.SplitDatagram(datagram)
		if err != nil {
			t.Fatalf("%s:%d: cannot split datagram: %v", name, n+1, err)
		}
		docs, err := segment.Parse(raw)
		if err != nil {
			t.Fatalf("%s:%d: cannot parse document: %v", name, n+1, err)
		}
		for _, d := range docs {
			i, ok := at[d.TraceID]
			if !ok {
				i = len(traces)
				at[d.TraceID] = i
				traces = append(traces, fixtureTrace{ID: d.TraceID})
			}
			traces[i].Docs = append(traces[i].Docs, d)
		}
	}
	return traces
}

// parseDocs parses documents written in tests, one JSON text each.
func parseDocs(t testing.TB, texts ...string) []*segment.Document {
	t.Helper()
	var out []*segment.Document
	for _, s := range texts {
		docs, err := segment.Parse([]byte(s))
		if err != nil {
			t.Fatalf("cannot parse test document %s: %v", s, err)
		}
		out = append(out, docs...)
	}
	return out
}

// graphLines renders a summary's graph one node or edge per line, so that
// tests can state the expected graph in a form a reader checks at a glance:
//
//	node go-probe [] root obs=1
//	edge go-probe [client] -> go-probe [] obs=1
func graphLines(s *Summary) []string {
	var lines []string
	name := func(n Node) string { return fmt.Sprintf("%s [%s]", n.Name, n.Type) }
	for _, n := range s.Graph.Nodes {
		var tags []string
		for _, tag := range []struct {
			on   bool
			name string
		}{{n.Root, "root"}, {n.Inferred, "inferred"}, {n.Client, "client"}} {
			if tag.on {
				tags = append(tags, tag.name)
			}
		}
		if n.AccountID != "" {
			tags = append(tags, "acct="+n.AccountID)
		}
		tags = append(tags, fmt.Sprintf("obs=%d", len(n.Obs)))
		lines = append(lines, "node "+name(n)+" "+strings.Join(tags, " "))
	}
	for _, n := range s.Graph.Nodes {
		for _, e := range n.Edges {
			lines = append(lines, fmt.Sprintf("edge %s -> %s obs=%d", name(n), name(s.Graph.Nodes[e.Target]), len(e.Obs)))
		}
	}
	return lines
}

// docJSON decodes an output document for field checks.
func docJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("output document is not JSON: %v\n%s", err, s)
	}
	return m
}
