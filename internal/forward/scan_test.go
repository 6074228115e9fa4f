package forward

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/realclients"
	"github.com/lightbox-tracing/lightbox/segment"
)

const (
	segDoc = `{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a","name":"web","start_time":1700000000.1,"end_time":1700000000.2}`
	subDoc = `{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0c","parent_id":"70de5b6f19ff9a0a","type":"subsegment","name":"q","start_time":1700000000.1,"end_time":1700000000.15}`
)

func TestScanDocuments(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		ids  []string // nil: rejected with code
		code string
	}{
		{"segment", segDoc, []string{"70de5b6f19ff9a0a"}, ""},
		{"spaces around", " \n" + segDoc + "\n ", []string{"70de5b6f19ff9a0a"}, ""},
		{"array of subsegments", "[" + subDoc + " , " + strings.Replace(subDoc, "9a0c", "9a0e", 1) + "]", []string{"70de5b6f19ff9a0c", "70de5b6f19ff9a0e"}, ""},
		{"nested strings with brackets and escapes", `{"id":"70de5b6f19ff9a0a","metadata":{"a":"}]\"{[","b":[1,{"id":"x"}]},"trace_id":"1-5759e988-bd862e3fe1be46a994272793"}`, []string{"70de5b6f19ff9a0a"}, ""},
		{"keys in other case, last wins", `{"ID":"0000000000000001","Trace_Id":"1-5759e988-bd862e3fe1be46a994272793","id":"70de5b6f19ff9a0a"}`, []string{"70de5b6f19ff9a0a"}, ""},
		{"escaped id", `{"id":"70de5b6f19ff9a0\u0061","trace_id":"1-5759e988-bd862e3fe1be46a994272793"}`, []string{"70de5b6f19ff9a0a"}, ""},
		{"empty", "  ", nil, segment.CodeInvalidJSON},
		{"not an object", `"a string"`, nil, segment.CodeInvalidJSON},
		{"truncated", segDoc[:60], nil, segment.CodeInvalidJSON},
		{"trailing data", segDoc + "x", nil, segment.CodeInvalidJSON},
		{"missing id", `{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","name":"web"}`, nil, segment.CodeMissingField},
		{"missing trace_id", `{"id":"70de5b6f19ff9a0a","name":"web"}`, nil, segment.CodeMissingField},
		{"numeric id", `{"id":7,"trace_id":"1-5759e988-bd862e3fe1be46a994272793"}`, nil, segment.CodeInvalidJSON},
		{"bad trace id", strings.Replace(segDoc, "bd862e3f", "xyz", 1), nil, segment.CodeInvalidTraceID},
		{"bad id", strings.Replace(segDoc, "70de5b6f19ff9a0a", "70de5b6f", 1), nil, segment.CodeInvalidID},
		{"empty array", "[ ]", nil, segment.CodeInvalidSegment},
		{"array with a bad element", "[" + subDoc + `,{"id":"x"}]`, nil, segment.CodeMissingField},
		{"too large", segDoc[:len(segDoc)-1] + `,"pad":"` + strings.Repeat("x", segment.MaxDocumentSize) + `"}`, nil, segment.CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanDocuments([]byte(tt.doc), nil)
			if tt.ids == nil {
				if err == nil || err.Code != tt.code {
					t.Fatalf("got %v (%d documents), want code %s", err, len(got), tt.code)
				}
				if len(got) != 0 {
					t.Errorf("rejected document left %d entries", len(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, s := range got {
				ids = append(ids, s.id)
				if !json.Valid(s.raw) || !bytes.Contains([]byte(tt.doc), s.raw) {
					t.Errorf("raw %q is not a JSON part of the document", s.raw)
				}
			}
			if strings.Join(ids, ",") != strings.Join(tt.ids, ",") {
				t.Errorf("ids %v, want %v", ids, tt.ids)
			}
		})
	}
}

// FuzzScanDocuments: the daemon's light check never refuses a document
// the store's full validation (segment.Parse) accepts, and finds the same
// documents with the same IDs and bytes in it; on anything it must not
// panic, and what it accepts is a part of the input.
func FuzzScanDocuments(f *testing.F) {
	for _, doc := range realclients.Documents(f) {
		f.Add(doc)
	}
	for _, s := range []string{segDoc, "[" + subDoc + "," + subDoc + "]", `{"id":null,"ID":"70de5b6f19ff9a0a","trace_id":"1-5759e988-bd862e3fe1be46a994272793","name":"a","start_time":1,"end_time":2}`, `{"a":"\"","b":[{}],"c":-1.5e3,"d":true}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, serr := scanDocuments(doc, nil)
		if serr == nil {
			for _, s := range got {
				if !bytes.Contains(doc, s.raw) {
					t.Fatalf("accepted raw %q is not part of the input", s.raw)
				}
			}
		}
		want, perr := segment.Parse(doc)
		if perr != nil {
			return
		}
		if serr != nil {
			t.Fatalf("segment.Parse accepts %q, scanDocuments refuses it: %v", doc, serr)
		}
		if len(got) != len(want) {
			t.Fatalf("%d documents, segment.Parse finds %d", len(got), len(want))
		}
		for i := range want {
			if !strings.EqualFold(got[i].id, want[i].ID) || !bytes.Equal(got[i].raw, want[i].Raw) {
				t.Fatalf("document %d: id %q raw %q; segment.Parse: id %q raw %q", i, got[i].id, got[i].raw, want[i].ID, want[i].Raw)
			}
		}
	})
}
