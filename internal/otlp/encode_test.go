package otlp

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// checkEncoding makes every translation in the test compare appendEntity
// with encoding/json.
func checkEncoding(t testing.TB) {
	encodeHook = func(e *entity, raw []byte) {
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		if !bytes.Equal(raw, want) {
			t.Fatalf("appendEntity wrote\n%s\nencoding/json writes\n%s", raw, want)
		}
	}
	t.Cleanup(func() { encodeHook = nil })
}

// TestEncodeMatchesEncodingJSON: for every golden input, and for strings
// that need escaping, appendEntity writes what json.Marshal writes.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	checkEncoding(t)
	inputs, _ := filepath.Glob("testdata/*.otlp.json")
	for _, in := range inputs {
		body, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalJSON(body); err != nil {
			t.Fatal(err)
		}
		NewTranslator(TranslationOptions{IndexAllAttributes: true}).Translate(req.Traces())
		NewTranslator(TranslationOptions{}).Translate(req.Traces())
	}
	for _, s := range []string{"", "plain", "quote\" backslash\\ <html> & amp", "ctl \x00\x01\b\f\n\r\t\x1f", "bad utf8 \xff\xfe", "sep \u2028 \u2029", "ünïcödé 🚀"} {
		e := &entity{ID: "0000000000000001", Name: s, StartTime: 1e-7, EndTime: 1.5e21, User: s,
			Annotations: map[string]any{"a": s, "n": int64(-3), "f": 0.1, "b": false},
			Metadata:    map[string]map[string]any{"default": {s: []any{s, nil, 1.0, []byte(s), map[string]any{"x": s}}}}}
		want, _ := json.Marshal(e)
		if got := appendEntity(nil, e); !bytes.Equal(got, want) {
			t.Errorf("appendEntity wrote\n%s\nencoding/json writes\n%s", got, want)
		}
	}
}
