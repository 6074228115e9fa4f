package otlp

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/lightbox-tracing/lightbox/segment"
)

// TranslationOptions configure the translation.
type TranslationOptions struct {
	// IndexedAttributes are attribute keys that become annotations on every
	// span that has them, besides the keys a span lists in
	// aws.xray.annotations (the X-Ray exporter's indexed_attributes).
	// Resource attributes are named "otel.resource.<key>".
	IndexedAttributes []string
	// IndexAllAttributes makes every scalar attribute an annotation.
	IndexAllAttributes bool
}

// Translator turns OTLP traces into segment documents. It is safe for
// concurrent use.
type Translator struct {
	indexed  map[string]bool
	indexAll bool
}

// NewTranslator returns a translator with the given options.
func NewTranslator(o TranslationOptions) *Translator {
	t := &Translator{indexed: map[string]bool{}, indexAll: o.IndexAllAttributes}
	for _, k := range o.IndexedAttributes {
		t.indexed[k] = true
	}
	return t
}

// maxErrors bounds the messages a Result keeps.
const maxErrors = 5

// Result is the translation of one export request.
type Result struct {
	Docs     []*segment.Document // validated, each with its Raw bytes
	Spans    int                 // spans in the request
	Rejected int                 // spans that became no document
	Errors   []string            // why, for the first few
}

func (r *Result) reject(spans int, format string, args ...any) {
	r.Rejected += spans
	if len(r.Errors) < maxErrors {
		r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
	}
}

// Message summarizes the rejections for an OTLP partial-success response.
func (r *Result) Message() string {
	if r.Rejected == 0 {
		return ""
	}
	msg := fmt.Sprintf("%d of %d spans rejected", r.Rejected, r.Spans)
	for _, e := range r.Errors {
		msg += "; " + e
	}
	return msg
}

// Translate converts every span of td. Spans it cannot convert are counted
// in Rejected; the others are in Docs.
func (t *Translator) Translate(td ptrace.Traces) Result {
	var r Result
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		t.translateResource(rss.At(i), &r)
	}
	return r
}
