package trace

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/segment"
)

// TestSegmentsFolding checks where independent subsegments end up in the
// BatchGetTraces documents, and that the SDK's bytes survive.
func TestSegmentsFolding(t *testing.T) {
	docs := parseDocs(t,
		// Exponent-form time, HTML-looking text and fields Lightbox does not
		// model must come back as sent.
		front(`,"x_custom":{"k":[1,2.50]},"metadata":{"default":{"q":"a&b<c>"}},"links":[{"trace_id":"`+testTraceID+`","id":"0000000000000001"}],
			"subsegments":[{"id":"`+idSub+`","name":"outer","start_time":1.0001E2,"end_time":100.9,
				"subsegments":[{"id":"`+idCall+`","name":"inner","start_time":100.2,"end_time":100.8}]}]`),
		doc(`"type":"subsegment","id":"`+idCall2+`","parent_id":"`+idCall+`","name":"deep","start_time":100.3,"end_time":100.4,"x_sub":true`),
		doc(`"type":"subsegment","id":"`+idSub2+`","parent_id":"`+idAbsent+`","name":"orphan","start_time":100.5,"end_time":100.6`),
		doc(`"type":"subsegment","id":"5000000000000003","parent_id":"`+idSub2+`","name":"under-orphan","start_time":100.55,"end_time":100.56`),
	)
	segs := Assemble(testTraceID, docs).Segments()
	if len(segs) != 2 {
		t.Fatalf("%d documents, want the segment and the orphan:\n%v", len(segs), segs)
	}

	if segs[0].ID != idFront {
		t.Fatalf("first document %s, want %s", segs[0].ID, idFront)
	}
	text := segs[0].Document
	for _, want := range []string{`"x_custom":{"k":[1,2.50]}`, `"start_time":1.0001E2`, `"q":"a&b<c>"`, `"links":[{`, `"x_sub":true`} {
		if !strings.Contains(text, want) {
			t.Errorf("document lost %s:\n%s", want, text)
		}
	}
	m := docJSON(t, text)
	deep := path(t, m, "outer", "inner", "deep")
	if deep["id"] != idCall2 {
		t.Errorf("deep subsegment %v, want it under outer/inner", deep)
	}

	if segs[1].ID != idSub2 {
		t.Fatalf("second document %s, want the orphan %s", segs[1].ID, idSub2)
	}
	if under := path(t, docJSON(t, segs[1].Document), "under-orphan"); under["parent_id"] != idSub2 {
		t.Errorf("orphan's own child %v not folded into it", under)
	}
}

// path follows subsegments by name from a document.
func path(t *testing.T, m map[string]any, names ...string) map[string]any {
	t.Helper()
next:
	for _, name := range names {
		subs, _ := m["subsegments"].([]any)
		for _, s := range subs {
			if sm := s.(map[string]any); sm["name"] == name {
				m = sm
				continue next
			}
		}
		t.Fatalf("no subsegment %q in %v", name, m)
	}
	return m
}

func TestSegmentsUnchangedDocumentIsCompacted(t *testing.T) {
	raw := "{\n  \"trace_id\": \"" + testTraceID + "\",\n  \"id\": \"" + idFront + "\",\n  \"name\": \"front\",\n  \"start_time\": 100,\n  \"end_time\": 1.01E2,\n  \"zz\": 1, \"aa\": 2\n}"
	segs := Assemble(testTraceID, parseDocs(t, raw)).Segments()
	// Key order kept: nothing had to be rebuilt.
	want := `{"trace_id":"` + testTraceID + `","id":"` + idFront + `","name":"front","start_time":100,"end_time":1.01E2,"zz":1,"aa":2}`
	if len(segs) != 1 || segs[0].Document != want {
		t.Errorf("documents %v, want %s", segs, want)
	}
}

var hex16 = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestSegmentsInferred(t *testing.T) {
	docs := parseDocs(t, front(`,"subsegments":[
		{"id":"`+idCall+`","name":"dynamodb","namespace":"aws","start_time":100.1,"end_time":100.2,"error":true,"throttle":true,
			"http":{"response":{"status":400}},"aws":{"operation":"GetItem","table_name":"games","retries":2},"cause":{"exceptions":[]}},
		{"id":"`+idCall2+`","name":"app@db","namespace":"remote","start_time":100.3,"end_time":100.4,"fault":true,
			"sql":{"url":"db","sanitized_query":"SELECT 1"}}]`))
	tr := Assemble(testTraceID, docs)
	segs := tr.Segments()
	if len(segs) != 3 {
		t.Fatalf("%d documents, want the segment and two inferred ones", len(segs))
	}
	want := []map[string]any{
		{
			"name": "DynamoDB", "trace_id": testTraceID, "parent_id": idCall, "start_time": 100.1, "end_time": 100.2,
			"origin": "AWS::DynamoDB::Table", "inferred": true, "error": true, "throttle": true,
			"http": map[string]any{"response": map[string]any{"status": 400.0}},
			"aws":  map[string]any{"operation": "GetItem", "table_name": "games", "retries": 2.0},
		},
		{
			"name": "app@db", "trace_id": testTraceID, "parent_id": idCall2, "start_time": 100.3, "end_time": 100.4,
			"origin": "Database::SQL", "inferred": true, "fault": true,
			"sql": map[string]any{"url": "db", "sanitized_query": "SELECT 1"},
		},
	}
	for i, o := range segs[1:] {
		got := docJSON(t, o.Document)
		if id, _ := got["id"].(string); id != o.ID || !hex16.MatchString(id) || id == idFront || id == idCall || id == idCall2 {
			t.Errorf("inferred id %q (entry ID %q): want a fresh 16-hex ID", got["id"], o.ID)
		}
		delete(got, "id")
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("inferred document:\n%v\nwant:\n%v", got, want[i])
		}
	}
	if again := tr.Segments(); !reflect.DeepEqual(again, segs) {
		t.Error("inferred IDs change from one read to the next")
	}
}

// TestSegmentsWithoutRaw covers documents Lightbox makes itself (OTLP
// translation), which carry no original bytes.
func TestSegmentsWithoutRaw(t *testing.T) {
	d := &segment.Document{TraceID: testTraceID, ID: idFront, Name: "front", StartTime: 100, EndTime: 101,
		Subsegments: []*segment.Document{{ID: idCall, Name: "S3", Namespace: "aws", StartTime: 100.1, EndTime: 100.2}}}
	sub := &segment.Document{TraceID: testTraceID, ID: idSub, ParentID: idFront, Type: "subsegment", Name: "late", StartTime: 100.5, EndTime: 100.6}
	segs := Assemble(testTraceID, []*segment.Document{d, sub}).Segments()
	if len(segs) != 2 {
		t.Fatalf("%d documents, want the segment and an inferred S3", len(segs))
	}
	m := docJSON(t, segs[0].Document)
	path(t, m, "late")
	if path(t, m, "S3")["namespace"] != "aws" {
		t.Errorf("document %v lost its subsegment", m)
	}
}
