package otlp

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/lightbox-tracing/lightbox/internal/docmetrics"
	"github.com/lightbox-tracing/lightbox/internal/store"
)

// Rejection reasons of spans.
const (
	reasonInvalidSpan = "InvalidSpan"
	reasonStoreError  = "store_error"
)

// Request results, for lightbox_otlp_requests_total.
const (
	resultOK          = "ok"
	resultPartial     = "partial"     // some spans rejected
	resultInvalid     = "invalid"     // undecodable, or not an OTLP request
	resultUnavailable = "unavailable" // the store failed
)

// ingester is what both receivers share: translate, write, answer.
type ingester struct {
	tr   *Translator
	w    store.Writer
	log  *slog.Logger
	docs *docmetrics.Documents  // counts spans, source="otlp"
	docW prometheus.Counter     // documents written (spans nest, so fewer)
	reqs *prometheus.CounterVec // requests by protocol and result

	logMu   sync.Mutex
	lastLog time.Time
}

func newIngester(o Options) *ingester {
	in := &ingester{
		tr:   NewTranslator(o.Translation),
		w:    o.Writer,
		log:  o.Logger,
		docs: docmetrics.New("otlp", reasonInvalidSpan, reasonStoreError),
		docW: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lightbox_otlp_documents_written_total",
			Help: "Segment documents written for OTLP spans (a service's spans that arrive together share one document).",
		}),
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lightbox_otlp_requests_total",
			Help: "OTLP export requests by protocol (grpc, http) and result (ok, partial, invalid, unavailable).",
		}, []string{"protocol", "result"}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(in.docs.Collectors()...)
		o.Registerer.MustRegister(in.docW, in.reqs)
	}
	return in
}

// errStore marks a failed write: the client should retry.
type errStore struct{ err error }

func (e errStore) Error() string { return e.err.Error() }
func (e errStore) Unwrap() error { return e.err }

// request counts one request's result.
func (in *ingester) request(protocol, result string) { in.reqs.WithLabelValues(protocol, result).Inc() }

// resultOf names an export's result.
func resultOf(resp ptraceotlp.ExportResponse, err error) string {
	switch {
	case err != nil:
		return resultUnavailable
	case resp.PartialSuccess().RejectedSpans() > 0:
		return resultPartial
	}
	return resultOK
}

// export translates and writes one request's spans and returns the
// response. It returns only once the documents are durable; an error is
// a store failure (retryable), and nothing of the request was acknowledged.
func (in *ingester) export(ctx context.Context, td ptrace.Traces) (ptraceotlp.ExportResponse, error) {
	res := in.tr.Translate(td)
	in.docs.Received.Add(float64(res.Spans))
	in.docs.Accepted.Add(float64(res.Spans - res.Rejected))
	if res.Rejected > 0 {
		in.docs.Rejected.WithLabelValues(reasonInvalidSpan).Add(float64(res.Rejected))
		in.logLimited("rejected OTLP spans", "rejected", res.Rejected, "spans", res.Spans, "first", res.Errors[0])
	}
	if len(res.Docs) > 0 {
		if err := in.w.WriteSegments(ctx, res.Docs); err != nil {
			in.docs.Rejected.WithLabelValues(reasonStoreError).Add(float64(res.Spans - res.Rejected))
			in.logLimited("cannot store OTLP spans", "err", err)
			return ptraceotlp.ExportResponse{}, errStore{fmt.Errorf("cannot store %d spans: %w", res.Spans-res.Rejected, err)}
		}
		in.docW.Add(float64(len(res.Docs)))
	}
	in.docs.Stored.Add(float64(res.Spans - res.Rejected))
	resp := ptraceotlp.NewExportResponse()
	if res.Rejected > 0 {
		resp.PartialSuccess().SetRejectedSpans(int64(res.Rejected))
		resp.PartialSuccess().SetErrorMessage(res.Message())
	}
	return resp, nil
}

// logLimited logs at most one line every 10 s, so that a misbehaving
// exporter or a failing store does not flood the log.
func (in *ingester) logLimited(msg string, args ...any) {
	in.logMu.Lock()
	now := time.Now()
	ok := now.Sub(in.lastLog) >= 10*time.Second
	if ok {
		in.lastLog = now
	}
	in.logMu.Unlock()
	if ok {
		in.log.Warn(msg, args...)
	}
}
