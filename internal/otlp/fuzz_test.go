package otlp

import (
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// FuzzTranslate feeds arbitrary bytes to the receivers' decode path
// (protobuf, and JSON when the bytes look like it) and translates what
// decodes: nothing may panic, every span must be either in a document or
// rejected, and every document must equal what segment.Parse makes of its
// bytes.
func FuzzTranslate(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*.otlp.json")
	for _, in := range inputs {
		body, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalJSON(body); err != nil {
			f.Fatal(err)
		}
		pb, _ := req.MarshalProto()
		f.Add(pb)
		f.Add(body)
	}
	tr := NewTranslator(TranslationOptions{IndexedAttributes: []string{"http.route", "otel.resource.service.name"}})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkEncoding(t)
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(b); err != nil {
			req = ptraceotlp.NewExportRequest()
			if err := req.UnmarshalJSON(b); err != nil {
				return
			}
		}
		res := tr.Translate(req.Traces())
		if res.Spans != req.Traces().SpanCount() {
			t.Fatalf("counted %d spans of %d", res.Spans, req.Traces().SpanCount())
		}
		checkDocuments(t, res.Docs)
		kept := 0
		for _, d := range res.Docs {
			kept += spansIn(d)
		}
		if kept+res.Rejected < res.Spans {
			t.Fatalf("%d spans: %d in documents, %d rejected", res.Spans, kept, res.Rejected)
		}
	})
}
