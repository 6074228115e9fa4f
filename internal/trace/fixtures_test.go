package trace

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestRealClients assembles every trace the real SDKs sent and checks the
// graph, the flags, and (through golden files) the whole summary and the
// BatchGetTraces documents.
func TestRealClients(t *testing.T) {
	type want struct {
		graph    []string
		partial  bool
		fault    bool
		docs     int      // stored documents
		segments int      // Segments() entries
		faults   []string // rootCauseLines of FaultRootCauses
	}
	goTrace := func(docs int) want {
		return want{
			graph: []string{
				"node go-probe [client] client obs=0",
				"node go-probe [] root obs=1",
				"node 127.0.0.1:41007 [remote] inferred obs=1",
				"edge go-probe [client] -> go-probe [] obs=1",
				"edge go-probe [] -> 127.0.0.1:41007 [remote] obs=1",
			},
			docs:     docs,
			segments: 2, // go-probe with its streamed subsegments folded in, and the inferred callee
			// xray.Capture recorded the error it returned; the handler
			// still answered 200, so the client did not see it.
			faults: []string{"go-probe[]: go-probe / fails {errors.errorString: probe error}"},
		}
	}
	flask := []string{
		"node flask-probe [client] client obs=0",
		"node flask-probe [] root obs=1",
		"edge flask-probe [client] -> flask-probe [] obs=1",
	}
	node := []string{
		"node node-probe [client] client obs=0",
		"node node-probe [] root obs=1",
		"edge node-probe [client] -> node-probe [] obs=1",
	}
	tests := []struct {
		fixture string
		traces  []want
	}{
		// The first request carried an incoming trace header whose Parent
		// never sent a segment: the segment is still the root. Later
		// requests reuse the keep-alive connection, so no connect/dial.
		{"go-aws-xray-sdk-go-1.8.5.jsonl", []want{goTrace(13), goTrace(11), goTrace(11), goTrace(11)}},
		{"python-aws-xray-sdk-0.95-flask.jsonl", []want{
			{graph: flask, docs: 1, segments: 1},
			{graph: []string{
				"node flask-probe [client] client obs=0",
				"node flask-probe [] root obs=1",
				"node DynamoDB [AWS::DynamoDB] inferred obs=1", // boto3 names it "dynamodb"; ListTables names no table
				"edge flask-probe [client] -> flask-probe [] obs=1",
				"edge flask-probe [] -> DynamoDB [AWS::DynamoDB] obs=1",
			}, docs: 1, segments: 2},
			// The route raised; this SDK records no cause under Flask 2.2.
			{graph: flask, fault: true, docs: 1, segments: 1, faults: []string{"client flask-probe[]: flask-probe"}},
		}},
		{"node-aws-xray-sdk-core-3.12.0.jsonl", []want{
			{graph: node, docs: 1, segments: 1},
			{graph: node, docs: 1, segments: 1},
			{graph: node, docs: 1, segments: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			traces := loadFixture(t, tt.fixture)
			if len(traces) != len(tt.traces) {
				t.Fatalf("fixture holds %d traces, want %d", len(traces), len(tt.traces))
			}
			var golden []goldenTrace
			for i, ft := range traces {
				w := tt.traces[i]
				tr := Assemble(ft.ID, ft.Docs)
				s := tr.Summary()
				if got := graphLines(s); !slices.Equal(got, w.graph) {
					t.Errorf("trace %s graph:\n%s\nwant:\n%s", ft.ID, strings.Join(got, "\n"), strings.Join(w.graph, "\n"))
				}
				if s.IsPartial != w.partial || s.HasFault != w.fault {
					t.Errorf("trace %s: partial=%v fault=%v, want %v %v", ft.ID, s.IsPartial, s.HasFault, w.partial, w.fault)
				}
				if got := rootCauseLines(s.FaultRootCauses); !slices.Equal(got, w.faults) {
					t.Errorf("trace %s fault root causes:\n%s\nwant:\n%s", ft.ID, strings.Join(got, "\n"), strings.Join(w.faults, "\n"))
				}
				if len(s.ErrorRootCauses) != 0 || len(s.ResponseTimeRootCauses) != 1 {
					t.Errorf("trace %s: %d error and %d response-time root causes, want 0 and 1", ft.ID, len(s.ErrorRootCauses), len(s.ResponseTimeRootCauses))
				}
				if s.SegmentCount != w.docs {
					t.Errorf("trace %s: SegmentCount = %d, want %d", ft.ID, s.SegmentCount, w.docs)
				}
				segs := tr.Segments()
				if len(segs) != w.segments {
					t.Errorf("trace %s: %d output segments, want %d", ft.ID, len(segs), w.segments)
				}
				if got := countEntitiesOut(t, segs); got != countEntitiesIn(ft) {
					t.Errorf("trace %s: output holds %d real entities, input %d", ft.ID, got, countEntitiesIn(ft))
				}
				golden = append(golden, goldenOf(s, segs))
			}
			checkGolden(t, strings.TrimSuffix(tt.fixture, ".jsonl")+".golden.json", golden)
		})
	}
}

// TestRealClientsShuffled feeds each fixture trace in random orders: the
// summary and the documents must not depend on arrival order.
func TestRealClientsShuffled(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, fixture := range []string{"go-aws-xray-sdk-go-1.8.5.jsonl", "python-aws-xray-sdk-0.95-flask.jsonl", "node-aws-xray-sdk-core-3.12.0.jsonl"} {
		for _, ft := range loadFixture(t, fixture) {
			want := Assemble(ft.ID, ft.Docs)
			wantSum, wantSegs := want.Summary(), want.Segments()
			for range 20 {
				docs := slices.Clone(ft.Docs)
				rng.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
				got := Assemble(ft.ID, docs)
				if s := got.Summary(); !reflect.DeepEqual(s, wantSum) {
					t.Fatalf("%s: summary depends on arrival order:\n%s\nwant\n%s", ft.ID, mustJSON(s), mustJSON(wantSum))
				}
				if segs := got.Segments(); !reflect.DeepEqual(segs, wantSegs) {
					t.Fatalf("%s: documents depend on arrival order:\n%v\nwant\n%v", ft.ID, segs, wantSegs)
				}
			}
		}
	}
}

// countEntitiesIn counts the segments and subsegments the SDK sent.
func countEntitiesIn(ft fixtureTrace) int {
	n := 0
	for _, d := range ft.Docs {
		c, _ := countEntities(d)
		n += c
	}
	return n
}

// countEntitiesOut counts the non-inferred entities in output documents, to
// prove folding loses and duplicates nothing.
func countEntitiesOut(t *testing.T, segs []OutputSegment) int {
	var count func(m map[string]any) int
	count = func(m map[string]any) int {
		n := 1
		subs, _ := m["subsegments"].([]any)
		for _, s := range subs {
			n += count(s.(map[string]any))
		}
		return n
	}
	n := 0
	for _, s := range segs {
		m := docJSON(t, s.Document)
		if m["inferred"] == true {
			continue
		}
		n += count(m)
	}
	return n
}

// goldenTrace is one trace in a golden file. Documents are embedded as JSON
// rather than as the strings BatchGetTraces sends, so diffs stay readable.
type goldenTrace struct {
	Summary  *Summary        `json:"summary"`
	Segments []goldenSegment `json:"segments"`
}

type goldenSegment struct {
	ID       string          `json:"id"`
	Document json.RawMessage `json:"document"`
}

func goldenOf(s *Summary, segs []OutputSegment) goldenTrace {
	g := goldenTrace{Summary: s}
	for _, o := range segs {
		g.Segments = append(g.Segments, goldenSegment{ID: o.ID, Document: json.RawMessage(o.Document)})
	}
	return g
}

func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("cannot encode golden value: %v", err)
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
		t.Errorf("%s differs from the golden file; run go test -update and review the diff\ngot:\n%s", path, got)
	}
}

func mustJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}
