package demo

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"

	lightbox "github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// The tests' camera roll: both formats, every scene, a panorama.
var (
	smallPhotos = []photoSpec{
		{"sunset", 400, 300, "jpeg"},
		{"beach", 320, 240, "png"},
		{"forest", 480, 360, "jpeg"},
		{"mountains", 360, 270, "png"},
		{"city", 400, 300, "jpeg"},
	}
	smallPanoramas = []photoSpec{{"mountains", 1200, 400, "jpeg"}}
)

// startLightbox runs a whole Lightbox in-process on ephemeral loopback
// ports and returns it with a real aws-sdk-go-v2 X-Ray client for its API.
// The client's idle connections are closed before the server shuts down,
// so that the goroutine leak check sees none of them.
func startLightbox(t *testing.T) (*lightbox.Server, *awsxray.Client) {
	t.Helper()
	srv := servertest.Start(t, lightbox.Config{})
	tr := newTransport()
	t.Cleanup(tr.CloseIdleConnections)
	c := servertest.XRayClient(srv, func(o *awsxray.Options) { o.HTTPClient = &http.Client{Transport: tr} })
	return srv, c
}

// startDemo runs ImageTrends sending to daemonAddr until the test ends.
func startDemo(t *testing.T, cfg Config) *Demo {
	t.Helper()
	cfg.Logger = discard
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d.Start()
	servertest.StopAtCleanup(t, "close the demo", 10*time.Second, d.Close)
	return d
}

// The acceptance test: a few seconds of demo traffic, with trouble
// turned up, make the workshop's service map, and the trouble shows where
// it was configured.
func TestDemoTrafficFillsTheServiceMap(t *testing.T) {
	checkGoroutines(t)
	srv, xc := startLightbox(t)
	cfg := Config{
		DaemonAddr:   srv.UDPAddr().String(),
		ThrottleRate: 0.6,
		S3FaultRate:  0.3,
		LatencyScale: 0.5,
		Users:        25,
	}
	d := startDemo(t, cfg)
	// A smaller camera roll: the race detector makes decoding photos ten
	// times slower, and the upload path is the same at any size.
	var err error
	if d.pool, err = newPhotoPool(smallPhotos, smallPanoramas); err != nil {
		t.Fatal(err)
	}
	begin := time.Now().Add(-time.Minute)
	// A number of requests rather than a duration: the machine may be
	// busy, and the checks below need enough of each kind of trouble.
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	const requests = 150
	counts, err := d.RunTraffic(ctx, TrafficConfig{Rate: 40, Requests: requests, LoginFailureRate: 0.15, SlowRate: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("traffic: %s", counts)
	if counts.Requests != requests || counts.Unauthorized == 0 || counts.OK < counts.Requests/2 || counts.Unanswered != 0 {
		t.Fatalf("traffic counts %s: want %d requests, some failed logins, mostly ok, all answered", counts, requests)
	}
	end := time.Now().Add(time.Minute)

	// Every request is sampled, so once Lightbox has assembled them all the
	// client → imagetrends edge counts each request exactly once.
	g := waitForGraph(t, xc, begin, end, func(g *graph) bool {
		e := g.edge("imagetrends:client", "imagetrends:")
		return e != nil && aws.ToInt64(e.SummaryStatistics.TotalCount) == counts.Requests
	})

	nodes := g.nodeKeys()
	want := []string{"imagetrends:client", "imagetrends:", "labeler:", "S3:AWS::S3", "Rekognition:AWS::Rekognition", "Unknown:Database::SQL"}
	for _, n := range want {
		if !slices.Contains(nodes, n) {
			t.Errorf("service graph has no node %s; nodes: %v", n, nodes)
		}
	}
	if len(nodes) != len(want) {
		t.Errorf("service graph nodes = %v, want exactly %v", nodes, want)
	}
	edges := [][2]string{
		{"imagetrends:client", "imagetrends:"},
		{"imagetrends:", "labeler:"},
		{"imagetrends:", "S3:AWS::S3"},
		{"imagetrends:", "Unknown:Database::SQL"},
		{"labeler:", "Rekognition:AWS::Rekognition"},
	}
	for _, e := range edges {
		if g.edge(e[0], e[1]) == nil {
			t.Errorf("service graph has no edge %s → %s", e[0], e[1])
		}
	}
	if e := g.edge("imagetrends:", "Rekognition:AWS::Rekognition"); e != nil {
		t.Errorf("imagetrends calls Rekognition directly; only labeler should")
	}
	if t.Failed() {
		t.FailNow()
	}

	stats := func(from, to string) *types.EdgeStatistics { return g.edge(from, to).SummaryStatistics }
	// Rekognition throttles: a call the SDK retried into success is still
	// flagged throttle; one that ran out of attempts is a fault.
	rek := stats("labeler:", "Rekognition:AWS::Rekognition")
	if aws.ToInt64(rek.ErrorStatistics.ThrottleCount) == 0 {
		t.Errorf("labeler → Rekognition has no throttles: %s", edgeString(rek))
	}
	// labeler passes an exhausted throttle on as 429.
	if lab := stats("imagetrends:", "labeler:"); aws.ToInt64(lab.ErrorStatistics.ThrottleCount) == 0 {
		t.Errorf("imagetrends → labeler has no throttles: %s", edgeString(lab))
	}
	s3 := stats("imagetrends:", "S3:AWS::S3")
	if aws.ToInt64(s3.FaultStatistics.TotalCount) == 0 {
		t.Errorf("imagetrends → S3 has no faults: %s", edgeString(s3))
	}
	if aws.ToInt64(s3.ErrorStatistics.ThrottleCount) != 0 {
		t.Errorf("imagetrends → S3 has throttles, configured none: %s", edgeString(s3))
	}
	if sql := stats("imagetrends:", "Unknown:Database::SQL"); aws.ToInt64(sql.TotalCount) < counts.Requests || aws.ToInt64(sql.FaultStatistics.TotalCount) != 0 {
		t.Errorf("imagetrends → SQL: %s; want a query or more per request (%d) and no faults", edgeString(sql), counts.Requests)
	}
	front := g.node("imagetrends:").SummaryStatistics
	if got := aws.ToInt64(front.ErrorStatistics.OtherCount); got < counts.Unauthorized {
		t.Errorf("imagetrends has %d errors, want at least the %d failed logins", got, counts.Unauthorized)
	}
	if got := aws.ToInt64(front.FaultStatistics.TotalCount); got != counts.ServerErrors {
		t.Errorf("imagetrends has %d faults, the client saw %d 5xx", got, counts.ServerErrors)
	}
	// Rekognition is the slow dependency: its edge shows at least most of
	// the latency it was configured with. Only a lower bound is
	// load-proof: a starved machine (the race detector, other tests)
	// stretches S3 calls, mostly the SDK's own time, as much as
	// Rekognition's, so "slower than S3" was seen to fail; fakeaws' tests
	// check the distributions themselves.
	rekMedian := rekognitionLatency.Scaled(cfg.LatencyScale).Median.Seconds()
	if rekAvg, s3Avg := avg(rek), avg(s3); rekAvg < 0.7*rekMedian {
		t.Errorf("mean response time Rekognition %.3fs (S3 %.3fs): want at least 70 %% of its configured median %.3fs", rekAvg, s3Avg, rekMedian)
	} else {
		t.Logf("mean response time Rekognition %.3fs (configured median %.3fs), S3 %.3fs", rekAvg, rekMedian, s3Avg)
	}

	checkUploadTraces(t, xc, begin, end)
	checkFilters(t, xc, begin, end, counts)
}

// checkFilters runs the README's filter expressions: each finds
// something, and what it finds fits.
func checkFilters(t *testing.T, xc *awsxray.Client, begin, end time.Time, counts Counts) {
	t.Helper()
	find := func(expr string) []types.TraceSummary {
		t.Helper()
		var out []types.TraceSummary
		p := awsxray.NewGetTraceSummariesPaginator(xc, &awsxray.GetTraceSummariesInput{StartTime: &begin, EndTime: &end, FilterExpression: aws.String(expr)})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatalf("GetTraceSummaries %q: %v", expr, err)
			}
			out = append(out, page.TraceSummaries...)
		}
		if len(out) == 0 {
			t.Errorf("filter %q found no traces", expr)
		}
		return out
	}
	failedLogins := find(`http.status = 401`)
	if int64(len(failedLogins)) != counts.Unauthorized {
		t.Errorf("http.status = 401 found %d traces; the client saw %d failed logins", len(failedLogins), counts.Unauthorized)
	}
	for _, s := range failedLogins {
		if aws.ToInt32(s.Http.HttpStatus) != 401 || !strings.HasSuffix(aws.ToString(s.Http.HttpURL), "/login") {
			t.Errorf("http.status = 401 found %s %s → %d", aws.ToString(s.Http.HttpMethod), aws.ToString(s.Http.HttpURL), aws.ToInt32(s.Http.HttpStatus))
		}
	}
	for _, s := range find(`annotation.format = "png"`) {
		v := s.Annotations["format"]
		if len(v) != 1 {
			t.Errorf("annotation.format = \"png\" found trace %s with format %v", aws.ToString(s.Id), v)
			continue
		}
		if str, ok := v[0].AnnotationValue.(*types.AnnotationValueMemberStringValue); !ok || str.Value != "png" {
			t.Errorf("annotation.format = \"png\" found trace %s with format %#v", aws.ToString(s.Id), v[0].AnnotationValue)
		}
	}
	for _, s := range find(`service("Rekognition") { throttle }`) {
		if !aws.ToBool(s.HasThrottle) {
			t.Errorf(`service("Rekognition") { throttle } found trace %s without HasThrottle`, aws.ToString(s.Id))
		}
	}
	find(`service("S3") { fault }`)
}

// checkUploadTraces reads a few upload traces back: annotations in the
// summary, resize_image and the aws subsegments in the documents.
func checkUploadTraces(t *testing.T, xc *awsxray.Client, begin, end time.Time) {
	t.Helper()
	var uploads []string
	p := awsxray.NewGetTraceSummariesPaginator(xc, &awsxray.GetTraceSummariesInput{StartTime: &begin, EndTime: &end})
	for p.HasMorePages() && len(uploads) < 5 {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetTraceSummaries: %v", err)
		}
		for _, s := range out.TraceSummaries {
			if s.Http == nil || aws.ToString(s.Http.HttpMethod) != "POST" || !strings.HasSuffix(aws.ToString(s.Http.HttpURL), "/upload") || aws.ToInt32(s.Http.HttpStatus) != 303 {
				continue
			}
			for _, key := range []string{"format", "user_id", "photo_size"} {
				if len(s.Annotations[key]) == 0 {
					t.Errorf("upload trace %s has no %s annotation: %v", aws.ToString(s.Id), key, s.Annotations)
				}
			}
			if len(s.Users) == 0 || !strings.Contains(aws.ToString(s.Users[0].UserName), "@imagetrends.example") {
				t.Errorf("upload trace %s users = %+v", aws.ToString(s.Id), s.Users)
			}
			if len(uploads) < 5 {
				uploads = append(uploads, aws.ToString(s.Id))
			}
		}
	}
	if len(uploads) == 0 {
		t.Fatal("no successful upload among the trace summaries")
	}
	bt, err := xc.BatchGetTraces(context.Background(), &awsxray.BatchGetTracesInput{TraceIds: uploads})
	if err != nil {
		t.Fatalf("BatchGetTraces: %v", err)
	}
	if len(bt.Traces) != len(uploads) {
		t.Fatalf("BatchGetTraces returned %d traces for %d IDs", len(bt.Traces), len(uploads))
	}
	for _, tr := range bt.Traces {
		var names []string
		var ops []string
		for _, seg := range tr.Segments {
			var doc entity
			if err := json.Unmarshal([]byte(aws.ToString(seg.Document)), &doc); err != nil {
				t.Fatalf("segment document is not JSON: %v", err)
			}
			doc.walk(func(e *entity) {
				names = append(names, e.Name)
				if e.Namespace == "aws" && e.AWS["operation"] != nil {
					if e.AWS["request_id"] == nil || e.AWS["region"] != "us-east-1" {
						t.Errorf("aws subsegment %s %v lacks request ID or region: %v", e.Name, e.AWS["operation"], e.AWS)
					}
					ops = append(ops, e.Name+"."+e.AWS["operation"].(string))
				}
			})
		}
		id := aws.ToString(tr.Id)
		if !slices.Contains(names, "resize_image") {
			t.Errorf("trace %s has no resize_image subsegment; entities: %v", id, names)
		}
		if !slices.Contains(ops, "S3.PutObject") || !slices.Contains(ops, "Rekognition.DetectLabels") {
			t.Errorf("trace %s aws calls = %v, want S3.PutObject and Rekognition.DetectLabels", id, ops)
		}
	}
}

// entity is the part of a segment or subsegment document the test reads.
type entity struct {
	Name        string         `json:"name"`
	Namespace   string         `json:"namespace"`
	AWS         map[string]any `json:"aws"`
	Subsegments []*entity      `json:"subsegments"`
}

func (e *entity) walk(f func(*entity)) {
	f(e)
	for _, s := range e.Subsegments {
		s.walk(f)
	}
}

// graph indexes a GetServiceGraph answer by "name:type".
type graph struct {
	services map[string]types.Service
	refs     map[int32]string
}

func (g *graph) nodeKeys() []string {
	var out []string
	for k := range g.services {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (g *graph) node(key string) types.Service { return g.services[key] }

func (g *graph) edge(from, to string) *types.Edge {
	for _, e := range g.services[from].Edges {
		if g.refs[aws.ToInt32(e.ReferenceId)] == to && e.SummaryStatistics != nil {
			return &e
		}
	}
	return nil
}

// waitForGraph polls GetServiceGraph until ready holds (Lightbox
// assembles traces shortly after their last segment arrives).
func waitForGraph(t *testing.T, xc *awsxray.Client, begin, end time.Time, ready func(*graph) bool) *graph {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := xc.GetServiceGraph(context.Background(), &awsxray.GetServiceGraphInput{StartTime: &begin, EndTime: &end})
		if err != nil {
			t.Fatalf("GetServiceGraph: %v", err)
		}
		g := &graph{services: map[string]types.Service{}, refs: map[int32]string{}}
		for _, s := range out.Services {
			k := aws.ToString(s.Name) + ":" + aws.ToString(s.Type)
			g.services[k] = s
			g.refs[aws.ToInt32(s.ReferenceId)] = k
		}
		if ready(g) {
			return g
		}
		if time.Now().After(deadline) {
			var got int64
			if e := g.edge("imagetrends:client", "imagetrends:"); e != nil {
				got = aws.ToInt64(e.SummaryStatistics.TotalCount)
			}
			t.Fatalf("service graph not complete after 20 s: nodes %v, client → imagetrends counts %d", g.nodeKeys(), got)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func edgeString(s *types.EdgeStatistics) string {
	return strings.Join([]string{
		"total " + itoa(aws.ToInt64(s.TotalCount)),
		"ok " + itoa(aws.ToInt64(s.OkCount)),
		"errors " + itoa(aws.ToInt64(s.ErrorStatistics.OtherCount)),
		"throttles " + itoa(aws.ToInt64(s.ErrorStatistics.ThrottleCount)),
		"faults " + itoa(aws.ToInt64(s.FaultStatistics.TotalCount)),
	}, ", ")
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func avg(s *types.EdgeStatistics) float64 {
	return aws.ToFloat64(s.TotalResponseTime) / float64(max(1, aws.ToInt64(s.TotalCount)))
}
