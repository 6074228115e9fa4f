package otlp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	xrayid "go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

// newProvider is a real OTel SDK tracer provider batching into exp.
func newProvider(t *testing.T, exp sdktrace.SpanExporter, service string, opts ...sdktrace.TracerProviderOption) *sdktrace.TracerProvider {
	t.Helper()
	// Only ForceFlush exports (no timer), so a request's spans arrive
	// together and the document count is known.
	opts = append(opts, sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Hour)), sdktrace.WithResource(resource.NewSchemaless(
		attribute.String("service.name", service),
		attribute.String("service.version", "1.2.3"),
	)))
	tp := sdktrace.NewTracerProvider(opts...)
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	return tp
}

// checkout records one request of a checkout service: a server span, an
// HTTP call to inventory answered 503, and an internal step that fails.
func checkout(ctx context.Context, tr trace.Tracer) trace.TraceID {
	ctx, root := tr.Start(ctx, "GET /orders/{id}", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
		attribute.String("http.request.method", "GET"),
		attribute.String("url.scheme", "http"),
		attribute.String("server.address", "shop.local"),
		attribute.String("url.path", "/orders/42"),
		attribute.Int("http.response.status_code", 200),
		attribute.String("customer", "gold"),
		attribute.StringSlice("aws.xray.annotations", []string{"customer"}),
	))
	_, call := tr.Start(ctx, "GET", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("http.request.method", "GET"),
		attribute.String("url.full", "http://inventory.local/items/42"),
		attribute.String("server.address", "inventory.local"),
		attribute.Int("http.response.status_code", 503),
	))
	call.SetStatus(codes.Error, "")
	call.End()
	_, step := tr.Start(ctx, "compute")
	step.RecordError(errors.New("boom"))
	step.SetStatus(codes.Error, "boom")
	step.End()
	root.End()
	return root.SpanContext().TraceID()
}

// TestSDKExportersReachTheXRayAPI sends traces with the real OTel SDK over
// both OTLP exporters (gRPC with X-Ray trace IDs, HTTP with gzip and
// random W3C IDs) and reads them back with the real X-Ray client: the
// documents, a summary found by the default TraceId time range at the
// request's time, and the service graph edge.
func TestSDKExportersReachTheXRayAPI(t *testing.T) {
	srv := startServer(t)
	c := servertest.XRayClient(srv)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		service string
		exp     func() (sdktrace.SpanExporter, error)
		opts    []sdktrace.TracerProviderOption
	}{
		{"grpc gzip with X-Ray IDs", "checkout-grpc", func() (sdktrace.SpanExporter, error) {
			return otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(srv.OTLPGRPCAddr().String()), otlptracegrpc.WithInsecure(),
				otlptracegrpc.WithCompressor("gzip"))
		}, []sdktrace.TracerProviderOption{sdktrace.WithIDGenerator(xrayid.NewIDGenerator())}},
		{"http gzip with random W3C IDs", "checkout-http", func() (sdktrace.SpanExporter, error) {
			return otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(srv.OTLPHTTPAddr().String()), otlptracehttp.WithInsecure(),
				otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp, err := tc.exp()
			if err != nil {
				t.Fatal(err)
			}
			tp := newProvider(t, exp, tc.service, tc.opts...)
			begin := time.Now().Add(-time.Minute)
			tid := checkout(ctx, tp.Tracer("test"))
			// ForceFlush returns once the exporter has its answer, which
			// Lightbox gives only after the store write.
			if err := tp.ForceFlush(ctx); err != nil {
				t.Fatalf("export: %v", err)
			}
			end := time.Now().Add(time.Minute)
			id := xrayID(tid)

			got := getTrace(t, c, id, 3)
			seg, call, step := got[tc.service], got["inventory.local"], got["compute"]
			if seg == nil || call == nil || step == nil {
				t.Fatalf("trace %s has %s; want %s, inventory.local, compute", id, keys(got), tc.service)
			}
			if seg.HTTP == nil || seg.HTTP.Request["url"] != "http://shop.local/orders/42" || seg.Annotations["customer"] != "gold" {
				t.Errorf("segment http = %+v, annotations = %v", seg.HTTP, seg.Annotations)
			}
			if call.Namespace != "remote" || !call.Fault || call.HTTP.Response["status"] != float64(503) {
				t.Errorf("inventory call: namespace %q fault %v http %+v", call.Namespace, call.Fault, call.HTTP)
			}
			if !step.Fault || step.Cause == nil || len(step.Cause.Exceptions) != 1 || step.Cause.Exceptions[0].Message != "boom" {
				t.Errorf("compute: fault %v cause %+v", step.Fault, step.Cause)
			}
			findSummary(t, c, id, begin, end)
			graphEdges(t, c, begin, end, tc.service, "inventory.local")
		})
	}
	// Both exports' spans are counted as received and stored.
	if got := counter(t, srv, "lightbox_documents_stored_total", "otlp"); got != 6 {
		t.Errorf(`lightbox_documents_stored_total{source="otlp"} = %v, want 6 spans`, got)
	}
	if got := counter(t, srv, "lightbox_otlp_documents_written_total", ""); got != 2 {
		t.Errorf("lightbox_otlp_documents_written_total = %v, want 2 (one per local tree)", got)
	}
}

// counter reads a counter from the server's registry, with the given
// source label ("" for none).
func counter(t testing.TB, srv *server.Server, name, source string) float64 {
	t.Helper()
	for _, m := range servertest.MetricSamples(t, srv.Registry()) {
		if m.Family == name && (source == "" || m.Labels["source"] == source) {
			return m.Counter
		}
	}
	t.Fatalf("no metric %s{source=%q}", name, source)
	return 0
}
