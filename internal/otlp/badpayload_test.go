package otlp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

// oneGoodOneBad is a request with a valid span and one whose trace ID is
// all zeros (what a sender with no trace ID encodes).
func oneGoodOneBad() ptraceotlp.ExportRequest {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "partial")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := pcommon.NewTimestampFromTime(time.Now())
	good := spans.AppendEmpty()
	good.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	good.SetSpanID(pcommon.SpanID{1})
	good.SetKind(ptrace.SpanKindServer)
	good.SetStartTimestamp(now)
	good.SetEndTimestamp(now + 1e6)
	bad := spans.AppendEmpty()
	good.CopyTo(bad)
	bad.SetTraceID(pcommon.TraceID{})
	bad.SetSpanID(pcommon.SpanID{2})
	return ptraceotlp.NewExportRequestFromTraces(td)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestHTTPRejectsBadPayloads: each malformed OTLP/HTTP request gets the
// status the OTLP specification gives it and a google.rpc.Status saying
// what is wrong; a request with a bad span stores the good one and reports
// the bad one as a partial success.
func TestHTTPRejectsBadPayloads(t *testing.T) {
	srv := startServer(t)
	url := "http://" + srv.OTLPHTTPAddr().String() + "/v1/traces"
	good := oneGoodOneBad()
	pb, _ := good.MarshalProto()
	js, _ := good.MarshalJSON()

	f := func(name, method, ctype, encoding string, body []byte, wantCode int, wantMsg string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, bytes.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != wantCode {
			t.Errorf("%s: status %d, want %d (%s)", name, resp.StatusCode, wantCode, raw)
			return
		}
		var msg string
		switch {
		case wantCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"):
			r := ptraceotlp.NewExportResponse()
			if err := r.UnmarshalJSON(raw); err != nil {
				t.Fatalf("%s: response: %v", name, err)
			}
			msg = r.PartialSuccess().ErrorMessage()
		case wantCode == http.StatusOK:
			r := ptraceotlp.NewExportResponse()
			if err := r.UnmarshalProto(raw); err != nil {
				t.Fatalf("%s: response: %v", name, err)
			}
			msg = r.PartialSuccess().ErrorMessage()
			want := int64(0)
			if wantMsg != "" {
				want = 1
			}
			if r.PartialSuccess().RejectedSpans() != want {
				t.Errorf("%s: rejected_spans = %d, want %d", name, r.PartialSuccess().RejectedSpans(), want)
			}
		default:
			var st spb.Status
			if resp.Header.Get("Content-Type") == "application/x-protobuf" {
				err = proto.Unmarshal(raw, &st)
			} else {
				err = protojson.Unmarshal(raw, &st)
			}
			if err != nil {
				t.Fatalf("%s: error body is not a google.rpc.Status (%v): %q", name, err, raw)
			}
			msg = st.GetMessage()
		}
		if !strings.Contains(msg, wantMsg) {
			t.Errorf("%s: message %q lacks %q", name, msg, wantMsg)
		}
	}
	f("garbage protobuf", "POST", "application/x-protobuf", "", []byte("\xff\xff\xff\xffgarbage"), 400, "cannot decode ExportTraceServiceRequest")
	f("bad JSON", "POST", "application/json", "", []byte(`{"resourceSpans": [`), 400, "cannot decode ExportTraceServiceRequest")
	f("JSON trace ID of the wrong length", "POST", "application/json", "", []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abcd","spanId":"0102030405060708"}]}]}]}`), 400, "cannot decode")
	f("wrong content type", "POST", "text/plain", "", pb, 415, `Content-Type "text/plain" is not supported`)
	f("no content type", "POST", "", "", pb, 415, "is not supported")
	f("unknown encoding", "POST", "application/x-protobuf", "br", pb, 415, `Content-Encoding "br" is not supported`)
	f("gzip header on plain body", "POST", "application/x-protobuf", "gzip", pb, 400, "cannot read gzip body")
	f("GET", "GET", "application/x-protobuf", "", nil, 405, "send POST")
	f("zero trace ID, protobuf", "POST", "application/x-protobuf", "", pb, 200, "trace_id is empty or all zeros")
	f("zero trace ID, JSON gzip", "POST", "application/json", "gzip", gz(js), 200, "1 of 2 spans rejected")
	f("empty request", "POST", "application/x-protobuf", "", nil, 200, "")

	// Only traces are taken.
	for _, path := range []string{"/v1/metrics", "/v1/logs"} {
		resp, err := http.Post("http://"+srv.OTLPHTTPAddr().String()+path, "application/x-protobuf", bytes.NewReader(nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: status %d, want 404", path, resp.StatusCode)
		}
	}

	// The good span of the partial successes was stored.
	getTrace(t, servertest.XRayClient(srv), "1-01020304-05060708090a0b0c0d0e0f10", 1)
	for result, want := range map[string]float64{"invalid": 8, "partial": 2, "ok": 1} {
		if got := requests(t, srv, "http", result); got != want {
			t.Errorf(`lightbox_otlp_requests_total{protocol="http",result=%q} = %v, want %v`, result, got, want)
		}
	}
}

// requests reads lightbox_otlp_requests_total for a protocol and result.
func requests(t *testing.T, srv *server.Server, protocol, result string) float64 {
	t.Helper()
	for _, m := range servertest.MetricSamples(t, srv.Registry()) {
		if m.Family == "lightbox_otlp_requests_total" && m.Labels["protocol"] == protocol && m.Labels["result"] == result {
			return m.Counter
		}
	}
	return 0
}

// rawCodec sends bytes as they are, so that the test can send what no
// well-behaved client would.
type rawCodec struct{}

func (rawCodec) Name() string                  { return "proto" }
func (rawCodec) Marshal(v any) ([]byte, error) { return v.([]byte), nil }
func (rawCodec) Unmarshal(b []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), b...)
	return nil
}

// TestGRPCRejectsBadPayloads: an undecodable request is InvalidArgument
// (not retryable), and a request with a span without a trace ID is a
// partial success whose good span is stored.
func TestGRPCRejectsBadPayloads(t *testing.T) {
	srv := startServer(t)
	conn, err := grpc.NewClient(srv.OTLPGRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var out []byte
	err = conn.Invoke(ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", []byte("\xff\xff\xff\xffgarbage"), &out, grpc.ForceCodec(rawCodec{}))
	if st, _ := status.FromError(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "cannot decode ExportTraceServiceRequest") {
		t.Errorf("garbage: got %v, want InvalidArgument saying it cannot decode", err)
	}

	err = conn.Invoke(ctx, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", []byte{}, &out, grpc.ForceCodec(rawCodec{}))
	if st, _ := status.FromError(err); st.Code() != codes.Unimplemented {
		t.Errorf("metrics export: got %v, want Unimplemented", err)
	}

	resp, err := ptraceotlp.NewGRPCClient(conn).Export(ctx, oneGoodOneBad())
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if ps := resp.PartialSuccess(); ps.RejectedSpans() != 1 || !strings.Contains(ps.ErrorMessage(), "trace_id is empty or all zeros") {
		t.Errorf("partial success = %d %q, want 1 rejected span and why", ps.RejectedSpans(), ps.ErrorMessage())
	}
	getTrace(t, servertest.XRayClient(srv), "1-01020304-05060708090a0b0c0d0e0f10", 1)
	if got, want := [2]float64{requests(t, srv, "grpc", "invalid"), requests(t, srv, "grpc", "partial")}, [2]float64{1, 1}; got != want {
		t.Errorf("gRPC invalid/partial requests counted %v, want %v", got, want)
	}
}
