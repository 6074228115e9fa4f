package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

// awsCLI returns Debian's AWS CLI v2 (installed by .ci/run). Off CI a
// machine without it skips these tests; on CI its absence is a failure.
func awsCLI(t *testing.T) string {
	t.Helper()
	const path = "/usr/bin/aws"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the AWS CLI is missing on CI: %v", err)
		}
		t.Skipf("the AWS CLI (Debian's awscli) is not installed: %v", err)
	}
	return path
}

// runCLI runs `aws xray <args> --endpoint-url <server>` and decodes its
// JSON output into out. It returns the CLI's stderr when it fails.
func runCLI(t *testing.T, srv *server.Server, out any, args ...string) (stderr string, err error) {
	t.Helper()
	args = append([]string{"xray"}, args...)
	args = append(args, "--endpoint-url", "http://"+srv.TCPAddr().String(), "--output", "json")
	cmd := exec.Command(awsCLI(t), args...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=AKIDLIGHTBOX", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Run(); err != nil {
		return se.String(), err
	}
	if out != nil {
		if err := json.Unmarshal([]byte(so.String()), out); err != nil {
			t.Fatalf("aws %v printed non-JSON %q: %v", args, so.String(), err)
		}
	}
	return se.String(), nil
}

func TestAWSCLIv2(t *testing.T) {
	awsCLI(t)
	srv := servertest.Start(t, server.Config{})
	c := servertest.XRayClient(srv)

	// 250 traces: more than two pages of summaries, so the CLI's
	// auto-pagination must get a fresh token every time.
	now := time.Now()
	const traces = 250
	var ids []string
	for i := 0; i < traces; i += 50 {
		var docs []string
		for j := i; j < i+50; j++ {
			id := fmt.Sprintf("1-%08x-%024x", now.Unix()-int64(j), j+1)
			ids = append(ids, id)
			start := float64(now.Unix()-int64(j)) + 0.5
			docs = append(docs, fmt.Sprintf(`{"trace_id":"%s","id":"%016x","name":"cli-svc","start_time":%.3f,"end_time":%.3f,"http":{"request":{"method":"GET","url":"http://x/%d"},"response":{"status":200}}}`, id, j+1, start, start+0.25, j))
		}
		out, err := c.PutTraceSegments(context.Background(), &awsxray.PutTraceSegmentsInput{TraceSegmentDocuments: docs})
		if err != nil || len(out.UnprocessedTraceSegments) > 0 {
			t.Fatalf("PutTraceSegments: %v %+v", err, out)
		}
	}
	if err := srv.Store().Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	start, end := fmt.Sprint(now.Unix()-3600), fmt.Sprint(now.Unix()+60)

	var sums struct {
		TraceSummaries []struct {
			Id           string
			ResponseTime float64
			Http         struct{ HttpStatus int }
		}
	}
	if se, err := runCLI(t, srv, &sums, "get-trace-summaries", "--start-time", start, "--end-time", end); err != nil {
		t.Fatalf("get-trace-summaries: %v\n%s", err, se)
	}
	if len(sums.TraceSummaries) != traces {
		t.Fatalf("get-trace-summaries returned %d traces, want %d", len(sums.TraceSummaries), traces)
	}
	seen := map[string]bool{}
	for _, s := range sums.TraceSummaries {
		if seen[s.Id] {
			t.Fatalf("trace %s returned twice", s.Id)
		}
		seen[s.Id] = true
		if s.ResponseTime != 0.25 || s.Http.HttpStatus != 200 {
			t.Errorf("summary %s: ResponseTime %v status %d", s.Id, s.ResponseTime, s.Http.HttpStatus)
		}
	}

	var traceOut struct {
		Traces []struct {
			Id       string
			Segments []struct{ Id, Document string }
		}
		UnprocessedTraceIds []string
	}
	if se, err := runCLI(t, srv, &traceOut, "batch-get-traces", "--trace-ids", ids[0], ids[1], "1-00000000-000000000000000000000001"); err != nil {
		t.Fatalf("batch-get-traces: %v\n%s", err, se)
	}
	if len(traceOut.Traces) != 2 || len(traceOut.UnprocessedTraceIds) != 1 || !strings.Contains(traceOut.Traces[0].Segments[0].Document, `"cli-svc"`) {
		t.Fatalf("batch-get-traces = %+v", traceOut)
	}

	var graph struct {
		Services []struct {
			Name, Type string
			Edges      []struct{ SummaryStatistics struct{ TotalCount int } }
		}
	}
	if se, err := runCLI(t, srv, &graph, "get-service-graph", "--start-time", start, "--end-time", end); err != nil {
		t.Fatalf("get-service-graph: %v\n%s", err, se)
	}
	if len(graph.Services) != 2 {
		t.Fatalf("get-service-graph services = %+v, want the client and cli-svc", graph.Services)
	}
	for _, s := range graph.Services {
		if s.Type == "client" && (len(s.Edges) != 1 || s.Edges[0].SummaryStatistics.TotalCount != traces) {
			t.Errorf("client edge = %+v, want %d calls", s.Edges, traces)
		}
	}

	var rules struct {
		SamplingRuleRecords []struct{ SamplingRule struct{ RuleName string } }
	}
	if se, err := runCLI(t, srv, &rules, "get-sampling-rules"); err != nil {
		t.Fatalf("get-sampling-rules: %v\n%s", err, se)
	}
	if len(rules.SamplingRuleRecords) != 1 || rules.SamplingRuleRecords[0].SamplingRule.RuleName != "Default" {
		t.Errorf("get-sampling-rules = %+v", rules)
	}

	// Errors reach the CLI user as X-Ray errors with their message.
	se, err := runCLI(t, srv, nil, "get-trace-summaries", "--start-time", end, "--end-time", start)
	if err == nil || !strings.Contains(se, "InvalidRequestException") {
		t.Errorf("an inverted time range: err %v, stderr %q; want an InvalidRequestException", err, se)
	}
	var filtered struct{ TraceSummaries []struct{ Id string } }
	if se, err := runCLI(t, srv, &filtered, "get-trace-summaries", "--start-time", start, "--end-time", end, "--filter-expression", `http.url ENDSWITH "/7"`); err != nil {
		t.Fatalf("get-trace-summaries with a filter: %v\n%s", err, se)
	}
	if len(filtered.TraceSummaries) != 1 || filtered.TraceSummaries[0].Id != ids[7] {
		t.Errorf("filtered summaries = %+v, want only %s", filtered.TraceSummaries, ids[7])
	}
	se, err = runCLI(t, srv, nil, "get-trace-summaries", "--start-time", start, "--end-time", end, "--filter-expression", "responsetime >")
	if err == nil || !strings.Contains(se, "InvalidRequestException") || !strings.Contains(se, "column 15") {
		t.Errorf("an invalid filter expression: err %v, stderr %q; want an InvalidRequestException naming column 15", err, se)
	}
}
