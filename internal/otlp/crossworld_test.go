package otlp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/xray"
	xrayotel "go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/lightbox-tracing/lightbox/internal/servertest"
	"github.com/lightbox-tracing/lightbox/internal/servertest/xraysdktest"
)

// startBilling runs "billing", a service instrumented with the real
// aws-xray-sdk-go (xctx) that answers every request.
func startBilling(t *testing.T, xctx context.Context) *httptest.Server {
	t.Helper()
	billing := httptest.NewServer(xray.HandlerWithContext(xctx, xray.NewFixedSegmentNamer("billing"),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "billed") })))
	t.Cleanup(billing.Close)
	return billing
}

// TestOneTraceAcrossXRayAndOpenTelemetry: a request enters "frontend"
// (aws-xray-sdk-go), which calls "orders" (OpenTelemetry SDK with the AWS
// X-Ray propagator and ID generator, exporting OTLP), which calls
// "billing" (aws-xray-sdk-go again). The three services' segments form
// one trace, parented across the boundary both ways, and the service
// graph has the edges frontend → orders → billing.
func TestOneTraceAcrossXRayAndOpenTelemetry(t *testing.T) {
	srv := startServer(t)
	c := servertest.XRayClient(srv)
	xctx := xraysdktest.SampleAllContext(t, srv.UDPAddr())

	billing := startBilling(t, xctx)

	exp := grpcExporter(t, srv)
	tp := newProvider(t, exp, "orders", sdktrace.WithIDGenerator(xrayotel.NewIDGenerator()))
	tracer := tp.Tracer("orders")
	prop := xrayotel.Propagator{}
	seen := make(chan trace.SpanContext, 1)
	orders := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, "GET /orders", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("url.path", r.URL.Path),
			attribute.Int("http.response.status_code", 200),
		))
		defer span.End()
		seen <- trace.SpanContextFromContext(ctx)

		_, call := tracer.Start(ctx, "GET", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("http.request.method", "GET"),
			attribute.String("url.full", billing.URL+"/bill"),
			attribute.String("server.address", "billing.internal"),
		))
		req, _ := http.NewRequestWithContext(trace.ContextWithSpan(ctx, call), "GET", billing.URL+"/bill", nil)
		prop.Inject(req.Context(), propagation.HeaderCarrier(req.Header))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			call.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
		}
		call.End()
		io.WriteString(w, "ordered")
	}))
	t.Cleanup(orders.Close)

	httpClient := xray.Client(&http.Client{Timeout: 10 * time.Second})
	frontend := httptest.NewServer(xray.HandlerWithContext(xctx, xray.NewFixedSegmentNamer("frontend"),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, _ := http.NewRequestWithContext(r.Context(), "GET", orders.URL+"/orders", nil)
			resp, err := httpClient.Do(req)
			if err != nil {
				http.Error(w, err.Error(), 502)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			io.WriteString(w, "ok")
		})))
	t.Cleanup(frontend.Close)

	begin := time.Now().Add(-time.Minute)
	resp, err := http.Get(frontend.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatalf("export: %v", err)
	}
	end := time.Now().Add(time.Minute)
	sc := <-seen
	if !sc.IsValid() {
		t.Fatalf("orders saw no trace context")
	}
	id := xrayID(sc.TraceID())

	// frontend, its call to orders, orders, its call to billing, billing.
	got := getTrace(t, c, id, 5)
	front, ord, bill := got["frontend"], got["orders"], got["billing"]
	if front == nil || ord == nil || bill == nil {
		t.Fatalf("trace %s holds %s; want frontend, orders and billing", id, keys(got))
	}
	var frontCall *doc
	for _, s := range front.Subsegments {
		if s.Namespace == "remote" {
			frontCall = s
		}
	}
	if frontCall == nil || ord.ParentID != frontCall.ID {
		t.Errorf("orders segment's parent %q is not frontend's remote call %+v", ord.ParentID, frontCall)
	}
	ordCall := got["billing.internal"]
	if ordCall == nil {
		t.Fatalf("orders' client span is missing: %s", keys(got))
	}
	for _, s := range ord.Subsegments {
		if s.Namespace == "remote" {
			ordCall = s
		}
	}
	if bill.ParentID != ordCall.ID {
		t.Errorf("billing segment's parent %q is not orders' client span %q", bill.ParentID, ordCall.ID)
	}
	graphEdges(t, c, begin, end, "frontend", "orders")
	edges := graphEdges(t, c, begin, end, "orders", "billing")
	t.Logf("service graph edges: %v", edges)
}

// TestRandomW3CTraceIntoXRaySDKService: an OpenTelemetry service with the
// SDK's default random trace IDs calls an aws-xray-sdk-go service through
// the X-Ray propagator. The X-Ray SDK continues the trace under the random
// ID, and the whole trace (both services, one edge) is found by
// GetTraceSummaries' default TraceId time range at the time of the request.
func TestRandomW3CTraceIntoXRaySDKService(t *testing.T) {
	srv := startServer(t)
	c := servertest.XRayClient(srv)
	xctx := xraysdktest.SampleAllContext(t, srv.UDPAddr())
	billing := startBilling(t, xctx)

	exp := grpcExporter(t, srv)
	tp := newProvider(t, exp, "checkout") // default ID generator: random W3C IDs
	tracer := tp.Tracer("checkout")
	begin := time.Now().Add(-time.Minute)
	ctx, root := tracer.Start(context.Background(), "POST /pay", trace.WithSpanKind(trace.SpanKindServer))
	_, call := tracer.Start(ctx, "POST", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("http.request.method", "POST"), attribute.String("url.full", billing.URL+"/bill"),
		attribute.String("server.address", "billing.internal")))
	req, _ := http.NewRequestWithContext(trace.ContextWithSpan(ctx, call), "POST", billing.URL+"/bill", nil)
	xrayotel.Propagator{}.Inject(req.Context(), propagation.HeaderCarrier(req.Header))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	call.End()
	root.End()
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(time.Minute)
	id := xrayID(root.SpanContext().TraceID())

	got := getTrace(t, c, id, 3)
	if got["billing"] == nil || got["billing"].ParentID != call.SpanContext().SpanID().String() {
		t.Errorf("billing segment %+v is not the child of checkout's call %s", got["billing"], call.SpanContext().SpanID())
	}
	findSummary(t, c, id, begin, end)
	graphEdges(t, c, begin, end, "checkout", "billing")
}
