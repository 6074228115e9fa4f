package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
	"github.com/aws/aws-xray-sdk-go/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/xray"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
	"github.com/lightbox-tracing/lightbox/internal/servertest/xraysdktest"
)

// startS3Stub answers S3 PutObject like S3 does, on loopback (nothing real
// can run here; the client and its X-Ray instrumentation are real).
func startS3Stub(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("x-amz-request-id", "REQ-"+strings.ReplaceAll(r.URL.Path, "/", "-"))
		w.Header().Set("x-amz-id-2", "EXT-ID")
		w.Header().Set("ETag", `"d41d8cd98f00b204e9800998ecf8427e"`)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(s.Close)
	return s
}

// startApp runs two services instrumented with the real aws-xray-sdk-go:
// "frontend" (xray.Handler, xray.Capture around resize_image, an S3
// PutObject through the SDK's AWS SDK v2 instrumentation, xray.Client to
// call backend) and "backend" (xray.Handler) which answers with the status
// the request names. It returns the frontend URL.
func startApp(t *testing.T, ctx context.Context, s3URL string) string {
	t.Helper()
	backendMux := http.NewServeMux()
	backendMux.HandleFunc("/labels/{status}", func(w http.ResponseWriter, r *http.Request) {
		var status int
		fmt.Sscan(r.PathValue("status"), &status)
		w.WriteHeader(status)
		fmt.Fprintln(w, "labels")
	})
	backend := httptest.NewServer(xray.HandlerWithContext(ctx, xray.NewFixedSegmentNamer("backend"), backendMux))
	t.Cleanup(backend.Close)

	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		BaseEndpoint: aws.String(s3URL),
	}
	awsv2.AWSV2Instrumentor(&cfg.APIOptions)
	s3Client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	httpClient := xray.Client(&http.Client{Timeout: 5 * time.Second})

	frontMux := http.NewServeMux()
	frontMux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		err := xray.Capture(ctx, "resize_image", func(ctx context.Context) error {
			xray.AddAnnotation(ctx, "width", 640)
			xray.AddAnnotation(ctx, "format", "png")
			time.Sleep(2 * time.Millisecond)
			return nil
		})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if _, err := s3Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String("cat.png"), Body: strings.NewReader("png")}); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, backend.URL+"/labels/"+r.URL.Query().Get("status"), nil)
		resp, err := httpClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		xray.GetSegment(ctx).User = "alice"
		w.WriteHeader(resp.StatusCode)
	})
	frontend := httptest.NewServer(xray.HandlerWithContext(ctx, xray.NewFixedSegmentNamer("frontend"), frontMux))
	t.Cleanup(frontend.Close)
	return frontend.URL
}

func TestRealSDKTracesAreQueryableWithRealClient(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	ctx := xraysdktest.SampleAllContext(t, srv.UDPAddr())
	front := startApp(t, ctx, startS3Stub(t).URL)

	begin := time.Now().Add(-time.Minute)
	statuses := []int{200, 200, 200, 500, 404, 429}
	for _, st := range statuses {
		resp, err := http.Get(fmt.Sprintf("%s/upload?status=%d", front, st))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != st {
			t.Fatalf("frontend answered %d, want %d", resp.StatusCode, st)
		}
	}
	end := time.Now().Add(time.Minute)
	c := servertest.XRayClient(srv)

	sums := servertest.WaitForTraces(t, c, begin, end, len(statuses))
	var faults, errs, throttles int
	byStatus := map[int32]types.TraceSummary{}
	for _, s := range sums {
		if aws.ToBool(s.HasFault) {
			faults++
		}
		if aws.ToBool(s.HasError) {
			errs++
		}
		if aws.ToBool(s.HasThrottle) {
			throttles++
		}
		if s.Http == nil || s.Http.HttpStatus == nil {
			t.Fatalf("summary %s has no Http status", aws.ToString(s.Id))
		}
		byStatus[*s.Http.HttpStatus] = s
		if s.EntryPoint == nil || aws.ToString(s.EntryPoint.Name) != "frontend" {
			t.Errorf("summary %s EntryPoint = %+v, want frontend", aws.ToString(s.Id), s.EntryPoint)
		}
		if aws.ToFloat64(s.ResponseTime) <= 0 || aws.ToFloat64(s.Duration) < aws.ToFloat64(s.ResponseTime) {
			t.Errorf("summary %s ResponseTime %v Duration %v", aws.ToString(s.Id), aws.ToFloat64(s.ResponseTime), aws.ToFloat64(s.Duration))
		}
		if got := serviceNames(s.ServiceIds); got != "S3:AWS::S3,backend:,frontend:" {
			t.Errorf("summary %s ServiceIds = %s", aws.ToString(s.Id), got)
		}
		if len(s.Users) != 1 || aws.ToString(s.Users[0].UserName) != "alice" {
			t.Errorf("summary %s Users = %+v, want alice", aws.ToString(s.Id), s.Users)
		}
		if v := s.Annotations["width"]; len(v) != 1 || v[0].AnnotationValue == nil {
			t.Errorf("summary %s width annotation = %+v", aws.ToString(s.Id), v)
		} else if n, ok := v[0].AnnotationValue.(*types.AnnotationValueMemberNumberValue); !ok || n.Value != 640 {
			t.Errorf("summary %s width annotation = %#v, want number 640", aws.ToString(s.Id), v[0].AnnotationValue)
		}
	}
	// 500 is a fault; 404 and 429 are errors (the SDK flags 429 as both
	// error and throttle).
	if faults != 1 || errs != 2 || throttles != 1 {
		t.Errorf("faults/errors/throttles = %d/%d/%d, want 1/2/1", faults, errs, throttles)
	}
	if s, ok := byStatus[429]; !ok || !aws.ToBool(s.HasThrottle) {
		t.Errorf("the 429 trace is not marked HasThrottle: %+v", s)
	}
	if s := byStatus[200]; !strings.HasSuffix(aws.ToString(s.Http.HttpURL), "/upload") || aws.ToString(s.Http.HttpMethod) != "GET" || aws.ToString(s.Http.ClientIp) != "127.0.0.1" {
		t.Errorf("Http of a 200 trace: URL %q method %q client IP %q", aws.ToString(s.Http.HttpURL), aws.ToString(s.Http.HttpMethod), aws.ToString(s.Http.ClientIp))
	}

	// BatchGetTraces: the documents, with subsegments folded in and an
	// inferred S3 segment.
	okTrace := aws.ToString(byStatus[500].Id)
	bt, err := c.BatchGetTraces(context.Background(), &awsxray.BatchGetTracesInput{TraceIds: []string{okTrace, "1-00000000-000000000000000000000000"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bt.Traces) != 1 || len(bt.UnprocessedTraceIds) != 1 {
		t.Fatalf("BatchGetTraces: %d traces, unprocessed %v", len(bt.Traces), bt.UnprocessedTraceIds)
	}
	docs := map[string]map[string]any{}
	for _, seg := range bt.Traces[0].Segments {
		var d map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(seg.Document)), &d); err != nil {
			t.Fatalf("segment document is not JSON: %v", err)
		}
		if d["id"] != aws.ToString(seg.Id) || d["trace_id"] != okTrace {
			t.Errorf("segment %s: document id %v trace %v", aws.ToString(seg.Id), d["id"], d["trace_id"])
		}
		docs[d["name"].(string)] = d
	}
	if len(docs) != 3 || docs["frontend"] == nil || docs["backend"] == nil || docs["S3"] == nil {
		t.Fatalf("BatchGetTraces documents by name: %v, want frontend, backend and inferred S3", keys(docs))
	}
	if docs["S3"]["inferred"] != true || docs["S3"]["origin"] != "AWS::S3" {
		t.Errorf("S3 document is not an inferred AWS::S3 segment: %v", docs["S3"])
	}
	if docs["backend"]["fault"] != true || docs["frontend"]["fault"] != true {
		t.Errorf("fault flags: backend %v frontend %v", docs["backend"]["fault"], docs["frontend"]["fault"])
	}
	if !strings.Contains(aws.ToString(bt.Traces[0].Segments[0].Document)+aws.ToString(bt.Traces[0].Segments[1].Document), `"resize_image"`) {
		t.Errorf("resize_image subsegment missing from the documents")
	}

	// GetServiceGraph: client → frontend → backend, frontend → S3.
	g, err := c.GetServiceGraph(context.Background(), &awsxray.GetServiceGraphInput{StartTime: &begin, EndTime: &end})
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]types.Service{}
	refs := map[int32]string{}
	for _, s := range g.Services {
		k := aws.ToString(s.Name) + ":" + aws.ToString(s.Type)
		nodes[k] = s
		refs[aws.ToInt32(s.ReferenceId)] = k
	}
	if len(nodes) != 4 || nodes["frontend:client"].Name == nil || nodes["frontend:"].Name == nil || nodes["backend:"].Name == nil || nodes["S3:AWS::S3"].Name == nil {
		t.Fatalf("service graph nodes = %v, want frontend:client, frontend:, backend:, S3:AWS::S3", keys(nodes))
	}
	edge := func(from, to string) *types.Edge {
		for _, e := range nodes[from].Edges {
			if refs[aws.ToInt32(e.ReferenceId)] == to {
				return &e
			}
		}
		t.Fatalf("no edge %s → %s", from, to)
		return nil
	}
	checkStats := func(what string, st *types.EdgeStatistics, ok, errOther, throttle, fault int64) {
		t.Helper()
		if st == nil {
			t.Fatalf("%s has no statistics", what)
		}
		got := [5]int64{aws.ToInt64(st.OkCount), aws.ToInt64(st.ErrorStatistics.OtherCount), aws.ToInt64(st.ErrorStatistics.ThrottleCount), aws.ToInt64(st.FaultStatistics.TotalCount), aws.ToInt64(st.TotalCount)}
		want := [5]int64{ok, errOther, throttle, fault, ok + errOther + throttle + fault}
		if got != want {
			t.Errorf("%s ok/error/throttle/fault/total = %v, want %v", what, got, want)
		}
		if aws.ToFloat64(st.TotalResponseTime) <= 0 {
			t.Errorf("%s TotalResponseTime = %v", what, aws.ToFloat64(st.TotalResponseTime))
		}
	}
	checkStats("client → frontend", edge("frontend:client", "frontend:").SummaryStatistics, 3, 1, 1, 1)
	checkStats("frontend → backend", edge("frontend:", "backend:").SummaryStatistics, 3, 1, 1, 1)
	checkStats("frontend → S3", edge("frontend:", "S3:AWS::S3").SummaryStatistics, 6, 0, 0, 0)
	if nodes["frontend:client"].SummaryStatistics != nil {
		t.Errorf("client node carries statistics")
	}
	if !aws.ToBool(nodes["frontend:"].Root) || aws.ToString(nodes["frontend:"].State) != "active" {
		t.Errorf("frontend node Root %v State %v", aws.ToBool(nodes["frontend:"].Root), aws.ToString(nodes["frontend:"].State))
	}
	be := nodes["backend:"].SummaryStatistics
	if be == nil || aws.ToInt64(be.TotalCount) != 6 || aws.ToInt64(be.FaultStatistics.TotalCount) != 1 {
		t.Errorf("backend node statistics = %+v", be)
	}
	var histCount int32
	for _, h := range nodes["backend:"].ResponseTimeHistogram {
		histCount += h.Count
	}
	if histCount != 6 {
		t.Errorf("backend ResponseTimeHistogram counts %d observations, want 6", histCount)
	}
}

func serviceNames(ids []types.ServiceId) string {
	var out []string
	for _, s := range ids {
		out = append(out, aws.ToString(s.Name)+":"+aws.ToString(s.Type))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
