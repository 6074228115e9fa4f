package otlp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

// otlpConfig is the configuration the tests run Lightbox with: both OTLP
// receivers on ephemeral loopback ports, data in dir ("" for a fresh
// directory).
func otlpConfig(dir string) server.Config {
	return server.Config{OTLPGRPCAddr: servertest.AnyLoopbackPort, OTLPHTTPAddr: servertest.AnyLoopbackPort, DataDir: dir}
}

// startServer runs a whole Lightbox in-process with both OTLP receivers on.
func startServer(t testing.TB) *server.Server {
	t.Helper()
	return servertest.Start(t, otlpConfig(""))
}

// startServerOn is startServer on a given data directory.
func startServerOn(t testing.TB, dir string) *server.Server {
	t.Helper()
	return servertest.Start(t, otlpConfig(dir))
}

// grpcExporter is the OpenTelemetry SDK's OTLP/gRPC exporter sending to
// srv.
func grpcExporter(t testing.TB, srv *server.Server) sdktrace.SpanExporter {
	t.Helper()
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpoint(srv.OTLPGRPCAddr().String()), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// countWholeTraces reads the traces ids back through BatchGetTraces and
// counts those that are whole: the one segment traceRequest made, with
// its "step" subsegment.
func countWholeTraces(t *testing.T, c *awsxray.Client, ids []string) int {
	t.Helper()
	found := 0
	for i := 0; i < len(ids); i += 100 {
		p := awsxray.NewBatchGetTracesPaginator(c, &awsxray.BatchGetTracesInput{TraceIds: ids[i:min(i+100, len(ids))]})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range page.Traces {
				if len(tr.Segments) == 1 && strings.Contains(aws.ToString(tr.Segments[0].Document), `"step"`) {
					found++
				}
			}
		}
	}
	return found
}

// xrayID is the X-Ray form of an OTel trace ID.
func xrayID(id trace.TraceID) string {
	s := id.String()
	return "1-" + s[:8] + "-" + s[8:]
}

// doc is the part of a segment document the tests look at.
type doc struct {
	ID          string         `json:"id"`
	ParentID    string         `json:"parent_id"`
	Name        string         `json:"name"`
	Namespace   string         `json:"namespace"`
	Type        string         `json:"type"`
	Inferred    bool           `json:"inferred"`
	Fault       bool           `json:"fault"`
	Error       bool           `json:"error"`
	Annotations map[string]any `json:"annotations"`
	HTTP        *struct {
		Request  map[string]any `json:"request"`
		Response map[string]any `json:"response"`
	} `json:"http"`
	Cause *struct {
		Exceptions []struct {
			Message string `json:"message"`
		} `json:"exceptions"`
	} `json:"cause"`
	Subsegments []*doc `json:"subsegments"`
}

// getTrace waits until BatchGetTraces returns the trace with at least n
// entities (segments and subsegments, however nested) and returns them
// flattened, by name (inferred segments left out).
func getTrace(t *testing.T, c *awsxray.Client, id string, n int) map[string]*doc {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.BatchGetTraces(context.Background(), &awsxray.BatchGetTracesInput{TraceIds: []string{id}})
		if err != nil {
			t.Fatalf("BatchGetTraces: %v", err)
		}
		byName := map[string]*doc{}
		count := 0
		var walk func(d *doc)
		walk = func(d *doc) {
			if d.Inferred { // X-Ray's stand-in for a callee; the caller's subsegment is what the test checks
				return
			}
			count++
			byName[d.Name] = d
			for _, s := range d.Subsegments {
				walk(s)
			}
		}
		for _, tr := range out.Traces {
			for _, s := range tr.Segments {
				var d doc
				if err := json.Unmarshal([]byte(aws.ToString(s.Document)), &d); err != nil {
					t.Fatalf("segment document is not JSON: %v", err)
				}
				walk(&d)
			}
		}
		if count >= n {
			return byName
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s has %d entities after 30 s, want %d (%v)", id, count, n, keys(byName))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// findSummary waits until GetTraceSummaries, with its default time range
// type (TraceId), lists the trace in [start, end).
func findSummary(t *testing.T, c *awsxray.Client, id string, start, end time.Time) types.TraceSummary {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p := awsxray.NewGetTraceSummariesPaginator(c, &awsxray.GetTraceSummariesInput{StartTime: &start, EndTime: &end})
		for p.HasMorePages() {
			out, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatalf("GetTraceSummaries: %v", err)
			}
			for _, s := range out.TraceSummaries {
				if aws.ToString(s.Id) == id {
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GetTraceSummaries over [%s, %s) does not list trace %s", start, end, id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// graphEdges waits for the service graph of [start, end) to hold the edge
// from → to (node names) and returns every edge as "from→to".
func graphEdges(t *testing.T, c *awsxray.Client, start, end time.Time, from, to string) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		g, err := c.GetServiceGraph(context.Background(), &awsxray.GetServiceGraphInput{StartTime: &start, EndTime: &end})
		if err != nil {
			t.Fatalf("GetServiceGraph: %v", err)
		}
		names := map[int32]string{}
		for _, s := range g.Services {
			names[aws.ToInt32(s.ReferenceId)] = aws.ToString(s.Name)
		}
		var edges []string
		found := false
		for _, s := range g.Services {
			for _, e := range s.Edges {
				edge := aws.ToString(s.Name) + "→" + names[aws.ToInt32(e.ReferenceId)]
				edges = append(edges, edge)
				found = found || edge == from+"→"+to
			}
		}
		if found {
			return edges
		}
		if time.Now().After(deadline) {
			t.Fatalf("service graph edges %v lack %s→%s", edges, from, to)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func keys[V any](m map[string]V) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return strings.Join(ks, ", ")
}

// httpPost posts an OTLP/HTTP protobuf body and returns the status code.
func httpPost(url string, body []byte) (int, error) {
	resp, err := http.Post(url, "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
