package segment

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/realclients"
)

func TestRealClientDatagramsAreAccepted(t *testing.T) {
	for _, name := range []string{
		"go-aws-xray-sdk-go-1.8.5.jsonl",
		"python-aws-xray-sdk-0.95-flask.jsonl",
		"node-aws-xray-sdk-core-3.12.0.jsonl",
	} {
		t.Run(name, func(t *testing.T) {
			dgs := realclients.Datagrams(t, name)
			if len(dgs) == 0 {
				t.Fatal("fixture is empty")
			}
			for i, dg := range dgs {
				body, err := SplitDatagram(dg)
				if err != nil {
					t.Fatalf("datagram %d: %v", i, err)
				}
				docs, err := Parse(body)
				if err != nil {
					t.Fatalf("datagram %d: %v\n%s", i, err, body)
				}
				for _, d := range docs {
					if _, err := ParseTraceID(d.TraceID); err != nil {
						t.Errorf("datagram %d: trace ID: %v", i, err)
					}
					if string(d.Raw) != strings.TrimSpace(string(body)) && len(docs) == 1 {
						t.Errorf("datagram %d: Raw is not the document as sent", i)
					}
				}
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	const tid = `"trace_id":"1-5759e988-bd862e3fe1be46a994272793"`
	f := func(doc, wantCode, wantInMessage string) {
		t.Helper()
		_, err := Parse([]byte(doc))
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%s) = %v, want a *segment.Error", doc, err)
		}
		if e.Code != wantCode || !strings.Contains(e.Message, wantInMessage) {
			t.Fatalf("Parse(%s) = %s %q, want %s containing %q", doc, e.Code, e.Message, wantCode, wantInMessage)
		}
	}
	f(``, CodeInvalidJSON, "empty")
	f(`{"id":`, CodeInvalidJSON, "not a valid segment")
	f(`"just a string"`, CodeInvalidJSON, "not a valid segment")
	f(`{"id":"0123456789abcdef","name":"a","start_time":1,"end_time":2}`, CodeMissingField, "trace_id")
	f(`{`+tid+`,"name":"a","start_time":1,"end_time":2}`, CodeMissingField, "id is missing")
	f(`{`+tid+`,"id":"xyz","name":"a","start_time":1,"end_time":2}`, CodeInvalidID, "16 hex")
	f(`{"trace_id":"2-5759e988-bd862e3fe1be46a994272793","id":"0123456789abcdef","name":"a","start_time":1,"end_time":2}`, CodeInvalidTraceID, "1-<8 hex")
	f(`{"trace_id":"1-5759e98-bd862e3fe1be46a9942727930","id":"0123456789abcdef","name":"a","start_time":1,"end_time":2}`, CodeInvalidTraceID, "not of the form")
	f(`{`+tid+`,"id":"0123456789abcdef","start_time":1,"end_time":2}`, CodeMissingField, "name is missing")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a(b)","start_time":1,"end_time":2}`, CodeInvalidName, "contains '('")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"`+strings.Repeat("n", 201)+`","start_time":1,"end_time":2}`, CodeInvalidName, "201 characters")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","end_time":2}`, CodeMissingField, "start_time")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":"1","end_time":2}`, CodeInvalidJSON, "start_time")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":1}`, CodeMissingField, "end_time is missing")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":3,"end_time":2}`, CodeInvalidTime, "before start_time")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":1,"end_time":2,"in_progress":true}`, CodeInvalidTime, "in_progress")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":1,"end_time":2,"type":"subsegment"}`, CodeMissingField, "parent_id")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":1,"end_time":2,"type":"weird"}`, CodeInvalidSegment, "type")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":1,"end_time":2,"subsegments":[{"id":"1123456789abcdef","name":"s","start_time":1}]}`, CodeMissingField, "subsegments[0]: end_time")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":1,"end_time":2,"subsegments":[{"id":"1123456789abcdef","name":"s","start_time":1,"end_time":2,"subsegments":[{"id":"zz","name":"t","start_time":1,"end_time":2}]}]}`, CodeInvalidID, "subsegments[0].subsegments[0]: id")
	f(`[]`, CodeInvalidSegment, "empty array")
	f(`[{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":1,"end_time":2}]`, CodeInvalidSegment, "only subsegments")
	f(`{`+tid+`,"id":"0123456789abcdef","name":"a","start_time":1,"end_time":2,"metadata":{"x":"`+strings.Repeat("x", MaxDocumentSize)+`"}}`, CodeTooLarge, "limit is 65536")
}

func TestParseAccepts(t *testing.T) {
	f := func(doc string, check func(t *testing.T, docs []*Document)) {
		t.Helper()
		docs, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("Parse(%s): %v", doc, err)
		}
		check(t, docs)
	}
	// Exponent times, upper-case IDs normalised, string content_length,
	// unknown fields tolerated, bad annotation values dropped.
	f(`{"trace_id":"1-5759E988-BD862E3FE1BE46A994272793","id":"0123456789ABCDEF","name":"api.example.com","start_time":1.478293361271E9,"end_time":1.478293361449E9,
	   "http":{"response":{"status":503,"content_length":"17"}},"fault":true,"annotations":{"ok":"v","n":3,"b":true,"bad":null,"obj":{"a":1}},"unknown":{"x":1},
	   "links":[{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"0123456789abcdef","attributes":{}}],"cause":"0123456789abcdef"}`,
		func(t *testing.T, docs []*Document) {
			d := docs[0]
			if d.TraceID != "1-5759e988-bd862e3fe1be46a994272793" || d.ID != "0123456789abcdef" {
				t.Errorf("IDs not normalised: %s %s", d.TraceID, d.ID)
			}
			if d.StartTime != 1478293361.271 || d.Status() != 503 || d.HTTP.Response.ContentLength != 17 {
				t.Errorf("start %v status %d length %d", d.StartTime, d.Status(), d.HTTP.Response.ContentLength)
			}
			if len(d.Annotations) != 3 {
				t.Errorf("annotations = %v, want the three scalar ones", d.Annotations)
			}
			if d.Cause == nil || d.Cause.ExceptionRef != "0123456789abcdef" {
				t.Errorf("cause string form not kept: %+v", d.Cause)
			}
		})
	// In-progress segment.
	f(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"0123456789abcdef","name":"a","start_time":1,"in_progress":true}`,
		func(t *testing.T, docs []*Document) {
			if !docs[0].InProgress || docs[0].Duration() != 0 {
				t.Errorf("in-progress segment: %+v", docs[0])
			}
		})
	// A top-level array of independent subsegments.
	f(`[{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"0123456789abcdef","parent_id":"1111111111111111","type":"subsegment","name":"x(1)","start_time":1,"end_time":2},
	    {"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"0123456789abcdee","parent_id":"1111111111111111","type":"subsegment","name":"y","start_time":1,"end_time":3}]`,
		func(t *testing.T, docs []*Document) {
			if len(docs) != 2 || docs[1].Duration() != 2 {
				t.Fatalf("array: %d docs", len(docs))
			}
			var m map[string]any
			if err := json.Unmarshal(docs[1].Raw, &m); err != nil || m["name"] != "y" {
				t.Errorf("array element Raw is not the element: %s", docs[1].Raw)
			}
		})
}

func TestSplitDatagram(t *testing.T) {
	const doc = `{"a":1}`
	f := func(dg string, ok bool) {
		t.Helper()
		got, err := SplitDatagram([]byte(dg))
		if ok != (err == nil) {
			t.Fatalf("SplitDatagram(%q) error = %v, want ok=%v", dg, err, ok)
		}
		if ok && string(got) != doc {
			t.Fatalf("SplitDatagram(%q) = %q", dg, got)
		}
	}
	f(Header+"\n"+doc, true)
	f(`{"format":"json","version":1}`+"\n"+doc, true)
	f(`{"version": 1.0, "format": "JSON"}`+"\n"+doc, true)
	f(doc, false)
	f(Header+"\n", false)
	f(`{"format": "xml", "version": 1}`+"\n"+doc, false)
	f(`{"format": "json", "version": 2}`+"\n"+doc, false)
	f(`garbage`+"\n"+doc, false)
}

func TestTraceIDRoundTrip(t *testing.T) {
	const s = "1-5759e988-bd862e3fe1be46a994272793"
	id, err := ParseTraceID(s)
	if err != nil {
		t.Fatal(err)
	}
	if id.String() != s || id.Epoch() != 0x5759e988 {
		t.Fatalf("round trip: %s epoch %d", id, id.Epoch())
	}
	sid, err := ParseSegmentID("53995c3f42cd8ad8")
	if err != nil || sid.String() != "53995c3f42cd8ad8" {
		t.Fatalf("segment ID round trip: %v %v", sid, err)
	}
}

func TestParseTraceHeader(t *testing.T) {
	h := ParseTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793; parent=53995c3f42cd8ad8;Sampled=?;Lineage=a87bd80c:1|68fd508a:5;CalledFrom=app")
	if h.Root != "1-5759e988-bd862e3fe1be46a994272793" || h.Parent != "53995c3f42cd8ad8" || h.Sampled != "?" {
		t.Fatalf("parsed %+v", h)
	}
	want := "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?;Lineage=a87bd80c:1|68fd508a:5;CalledFrom=app"
	if h.String() != want {
		t.Fatalf("String() = %q, want %q", h.String(), want)
	}
}
