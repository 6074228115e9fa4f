package daemon

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/realclients"
	"github.com/lightbox-tracing/lightbox/segment"
)

// fixtureDatagrams returns every datagram captured from real SDKs, by file.
func fixtureDatagrams(t testing.TB) map[string][][]byte {
	t.Helper()
	out := map[string][][]byte{}
	for _, name := range realclients.Files() {
		out[name] = realclients.Datagrams(t, name)
	}
	return out
}

// dg frames a document as the Go SDK does.
func dg(doc string) []byte { return []byte(segment.Header + "\n" + doc) }

const (
	goodSegment    = `{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"web","start_time":1700000000.1,"end_time":1700000000.2}`
	goodInProgress = `{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0b","name":"web","start_time":1700000000.1,"in_progress":true}`
	goodSubsegment = `{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0c","parent_id":"70de5b6f19ff9a0a","type":"subsegment","name":"SELECT","start_time":1700000000.1,"end_time":1700000000.15}`
)

// badDatagrams are rejected, each for the reason it is paired with.
var badDatagrams = []struct {
	name     string
	datagram []byte
	reason   string
}{
	{"no newline", []byte(goodSegment), segment.CodeInvalidSegment},
	{"empty datagram", []byte{}, segment.CodeInvalidSegment},
	{"bad header format", []byte(`{"format": "xml", "version": 1}` + "\n" + goodSegment), segment.CodeInvalidSegment},
	{"bad header version", []byte(`{"format": "json", "version": 2}` + "\n" + goodSegment), segment.CodeInvalidSegment},
	{"header is not JSON", []byte("hello\n" + goodSegment), segment.CodeInvalidSegment},
	{"header only", dg(""), segment.CodeInvalidSegment},
	{"invalid JSON", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":`), segment.CodeInvalidJSON},
	{"not an object", dg(`"a string"`), segment.CodeInvalidJSON},
	{"missing trace_id", dg(`{"id":"70de5b6f19ff9a0a","name":"web","start_time":1700000000.1,"end_time":1700000000.2}`), segment.CodeMissingField},
	{"missing id", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","name":"web","start_time":1700000000.1,"end_time":1700000000.2}`), segment.CodeMissingField},
	{"missing name", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","start_time":1700000000.1,"end_time":1700000000.2}`), segment.CodeMissingField},
	{"missing start_time", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"web","end_time":1700000000.2}`), segment.CodeMissingField},
	{"missing end_time", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"web","start_time":1700000000.1}`), segment.CodeMissingField},
	{"subsegment without parent_id", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0c","type":"subsegment","name":"q","start_time":1700000000.1,"end_time":1700000000.2}`), segment.CodeMissingField},
	{"bad trace ID", dg(`{"trace_id":"1-5759e988-xyz","id":"70de5b6f19ff9a0a","name":"web","start_time":1700000000.1,"end_time":1700000000.2}`), segment.CodeInvalidTraceID},
	{"bad ID", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f","name":"web","start_time":1700000000.1,"end_time":1700000000.2}`), segment.CodeInvalidID},
	{"bad parent ID", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","parent_id":"nothex!!nothex!!","name":"web","start_time":1700000000.1,"end_time":1700000000.2}`), segment.CodeInvalidID},
	{"bad segment name", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"web<script>","start_time":1700000000.1,"end_time":1700000000.2}`), segment.CodeInvalidName},
	{"end before start", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"web","start_time":1700000000.2,"end_time":1700000000.1}`), segment.CodeInvalidTime},
	{"in progress with end", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"web","start_time":1700000000.1,"end_time":1700000000.2,"in_progress":true}`), segment.CodeInvalidTime},
	{"array of segments", dg(`[` + goodSegment + `]`), segment.CodeInvalidSegment},
	{"bad embedded subsegment", dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"web","start_time":1700000000.1,"end_time":1700000000.2,"subsegments":[{"id":"70de5b6f19ff9a0d","name":"q","start_time":1700000000.1}]}`), segment.CodeMissingField},
}

func TestDecodeRejects(t *testing.T) {
	tests := append(slices.Clone(badDatagrams), struct {
		name     string
		datagram []byte
		reason   string
	}{"larger than 64 KB", dg(padded(goodSegment, segment.MaxDocumentSize+1)), segment.CodeTooLarge})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := decode(tt.datagram)
			if err == nil {
				t.Fatalf("decode accepted %d documents", len(docs))
			}
			if got := reasonOf(err); got != tt.reason {
				t.Errorf("reason = %s, want %s (err: %v)", got, tt.reason, err)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name     string
		datagram []byte
		ids      []string
	}{
		{"segment", dg(goodSegment), []string{"70de5b6f19ff9a0a"}},
		{"in-progress segment", dg(goodInProgress), []string{"70de5b6f19ff9a0b"}},
		{"independent subsegment", dg(goodSubsegment), []string{"70de5b6f19ff9a0c"}},
		{"array of subsegments", dg("[" + goodSubsegment + "," + strings.Replace(goodSubsegment, "9a0c", "9a0e", 1) + "]"), []string{"70de5b6f19ff9a0c", "70de5b6f19ff9a0e"}},
		{"header without spaces", []byte(`{"format":"json","version":1}` + "\n" + goodSegment), []string{"70de5b6f19ff9a0a"}},
		{"header in other case and order", []byte(`{"version": 1.0, "format": "JSON"}` + "\n" + goodSegment), []string{"70de5b6f19ff9a0a"}},
		{"trailing newline", dg(goodSegment + "\n"), []string{"70de5b6f19ff9a0a"}},
		{"exactly 64 KB", dg(padded(goodSegment, segment.MaxDocumentSize)), []string{"70de5b6f19ff9a0a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := decode(tt.datagram)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range docs {
				ids = append(ids, d.ID)
				if !bytes.Contains(tt.datagram, d.Raw) || len(d.Raw) == 0 {
					t.Errorf("document %s: Raw is not a part of the datagram", d.ID)
				}
			}
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
		})
	}
}

func TestDecodeFixtures(t *testing.T) {
	for file, dgs := range fixtureDatagrams(t) {
		for i, b := range dgs {
			docs, err := decode(b)
			if err != nil {
				t.Errorf("%s datagram %d: %v", file, i, err)
				continue
			}
			_, body, _ := bytes.Cut(b, []byte("\n"))
			if len(docs) != 1 || !bytes.Equal(docs[0].Raw, bytes.TrimSpace(body)) {
				t.Errorf("%s datagram %d: Raw is not the document as sent", file, i)
			}
		}
	}
}

// padded grows a segment document to exactly size bytes with metadata.
func padded(doc string, size int) string {
	const field = `,"metadata":{"pad":""}}`
	n := size - (len(doc) - 1 + len(field))
	return doc[:len(doc)-1] + `,"metadata":{"pad":"` + strings.Repeat("x", n) + `"}}`
}

// FuzzDatagram feeds arbitrary datagrams to the split+parse path: it must
// never panic, must classify every rejection under a known reason, and
// every document it accepts must carry valid identifiers and a Raw slice
// of the input.
func FuzzDatagram(f *testing.F) {
	for _, dgs := range fixtureDatagrams(f) {
		for _, b := range dgs {
			f.Add(b)
		}
	}
	for _, tt := range badDatagrams {
		f.Add(tt.datagram)
	}
	f.Add(dg(goodInProgress))
	f.Add(dg("[" + goodSubsegment + "]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		docs, err := decode(b)
		if err != nil {
			if !slices.Contains(rejectReasons, reasonOf(err)) {
				t.Fatalf("unknown reason %q for %v", reasonOf(err), err)
			}
			return
		}
		if len(docs) == 0 {
			t.Fatal("accepted no documents without an error")
		}
		for _, d := range docs {
			if _, err := segment.ParseTraceID(d.TraceID); err != nil {
				t.Fatalf("accepted document with trace ID %q: %v", d.TraceID, err)
			}
			if _, err := segment.ParseSegmentID(d.ID); err != nil {
				t.Fatalf("accepted document with ID %q: %v", d.ID, err)
			}
			if len(d.Raw) == 0 || !bytes.Contains(b, d.Raw) {
				t.Fatal("accepted document whose Raw is not part of the datagram")
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	all := fixtureDatagrams(b)
	cases := []struct {
		name string
		dg   []byte
	}{
		{"go-segment-4.6KB", largest(all["go-aws-xray-sdk-go-1.8.5.jsonl"])},
		{"go-subsegment", all["go-aws-xray-sdk-go-1.8.5.jsonl"][0]},
		{"node-segment", all["node-aws-xray-sdk-core-3.12.0.jsonl"][0]},
		{"python-segment", largest(all["python-aws-xray-sdk-0.95-flask.jsonl"])},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.dg)))
			for b.Loop() {
				if _, err := decode(c.dg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func largest(dgs [][]byte) []byte {
	return slices.MaxFunc(dgs, func(a, b []byte) int { return len(a) - len(b) })
}
