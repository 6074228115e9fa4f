package otlp

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/lightbox-tracing/lightbox/segment"
)

// checkDocuments fails unless every document equals what segment.Parse
// makes of its Raw bytes, which is what every other ingest path stores.
func checkDocuments(t testing.TB, docs []*segment.Document) {
	t.Helper()
	for _, d := range docs {
		parsed, err := segment.Parse(d.Raw)
		if err != nil {
			t.Fatalf("document %s does not parse: %v\n%s", d.ID, err, d.Raw)
		}
		if len(parsed) != 1 || !reflect.DeepEqual(parsed[0], d) {
			t.Fatalf("document %s differs from its parsed Raw:\n built  %+v\n parsed %+v\n%s", d.ID, d, parsed[0], d.Raw)
		}
	}
}

// TestDocumentMatchesParse: the documents of every golden input are what
// segment.Parse makes of their bytes.
func TestDocumentMatchesParse(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*.otlp.json")
	tr := NewTranslator(TranslationOptions{IndexAllAttributes: true})
	for _, in := range inputs {
		body, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalJSON(body); err != nil {
			t.Fatal(err)
		}
		checkDocuments(t, tr.Translate(req.Traces()).Docs)
		checkDocuments(t, NewTranslator(TranslationOptions{}).Translate(req.Traces()).Docs)
	}
}

// spansIn counts a document's entities, subsegments included (a split
// local root adds one entity that is no span, so this may exceed spans).
func spansIn(d *segment.Document) int {
	n := 1
	for _, s := range d.Subsegments {
		n += spansIn(s)
	}
	return n
}
