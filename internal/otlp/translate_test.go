package otlp

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenOutput is what a golden file holds: the documents a request
// becomes and what was rejected.
type goldenOutput struct {
	Spans     int               `json:"spans"`
	Rejected  int               `json:"rejected"`
	Errors    []string          `json:"errors,omitempty"`
	Documents []json.RawMessage `json:"documents"`
}

// TestTranslateGolden translates each testdata/*.otlp.json request (one per
// semantic-convention family) and compares the documents with the
// .golden.json beside it. Run with -update to rewrite them after a
// deliberate change, and read the diff.
func TestTranslateGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.otlp.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata/*.otlp.json: %v", err)
	}
	tr := NewTranslator(TranslationOptions{IndexedAttributes: []string{"deployment.environment", "otel.resource.deployment.environment"}})
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".otlp.json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			req := ptraceotlp.NewExportRequest()
			if err := req.UnmarshalJSON(body); err != nil {
				t.Fatalf("cannot decode %s: %v", in, err)
			}
			res := tr.Translate(req.Traces())
			out := goldenOutput{Spans: res.Spans, Rejected: res.Rejected, Errors: res.Errors, Documents: []json.RawMessage{}}
			for _, d := range res.Docs {
				out.Documents = append(out.Documents, d.Raw)
			}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("translation of %s differs from %s (go test -update rewrites it):\n%s", in, golden, got)
			}
		})
	}
}
