package otlp_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

// TestConfiguredAnnotationsAreFilterable: attributes named in
// Config.OTLPAnnotations (lightbox serve --otlp-annotations) become
// annotations, dots turned to "_", and a filter expression on them finds
// the trace through GetTraceSummaries.
func TestConfiguredAnnotationsAreFilterable(t *testing.T) {
	srv, err := server.New(servertest.Config(t, server.Config{OTLPHTTPAddr: servertest.AnyLoopbackPort,
		OTLPAnnotations: []string{"http.route", "otel.resource.service.version"}}))
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	if srv.OTLPGRPCAddr() != nil {
		t.Errorf("OTLP/gRPC listens on %v though it was not configured", srv.OTLPGRPCAddr())
	}
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpoint(srv.OTLPHTTPAddr().String()), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := newProvider(t, exp, "catalog")
	begin := time.Now().Add(-time.Minute)
	for _, route := range []string{"/items/{id}", "/search"} {
		_, sp := tp.Tracer("t").Start(context.Background(), "GET "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.route", route), attribute.String("http.request.method", "GET")))
		sp.End()
	}
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	end := time.Now().Add(time.Minute)
	c := servertest.XRayClient(srv)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.GetTraceSummaries(context.Background(), &awsxray.GetTraceSummariesInput{StartTime: &begin, EndTime: &end,
			FilterExpression: aws.String(`annotation.http_route = "/search" AND annotation.otel_resource_service_version = "1.2.3"`)})
		if err != nil {
			t.Fatalf("GetTraceSummaries: %v", err)
		}
		if len(out.TraceSummaries) == 1 {
			if got := out.TraceSummaries[0].Annotations["http_route"]; len(got) != 1 {
				t.Errorf("summary annotations: %v", out.TraceSummaries[0].Annotations)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the filter found %d traces, want 1", len(out.TraceSummaries))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
