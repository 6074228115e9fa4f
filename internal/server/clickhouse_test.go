package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

// clickhouseURL is the ClickHouse the tests use ($LIGHTBOX_CLICKHOUSE_URL,
// else one on the default port). Under CI a missing server fails the test.
func clickhouseURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("LIGHTBOX_CLICKHOUSE_URL")
	if u == "" {
		u = "http://127.0.0.1:8123/"
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(u + "?query=SELECT%201")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return u
		}
	}
	msg := "no ClickHouse at " + u + " (start one with scripts/clickhouse.sh start DIR and set LIGHTBOX_CLICKHOUSE_URL)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// clusterURLs are the servers of the ClickHouse cluster "lightbox"
// ($LIGHTBOX_CLICKHOUSE_CLUSTER_URLS, from scripts/clickhouse.sh cluster):
// shard 1, shard 2, shard 1's second replica.
func clusterURLs(t *testing.T) []string {
	t.Helper()
	urls := strings.Fields(os.Getenv("LIGHTBOX_CLICKHOUSE_CLUSTER_URLS"))
	if len(urls) >= 2 {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(urls[1] + "?query=SELECT%201")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return urls
			}
		}
	}
	msg := "no ClickHouse cluster in $LIGHTBOX_CLICKHOUSE_CLUSTER_URLS (start one with scripts/clickhouse.sh cluster DIR)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return nil
}

// clickhouseDatabase is a fresh database name, dropped (on every server of
// cluster, when given) when the test ends.
func clickhouseDatabase(t *testing.T, url, cluster string) string {
	b := make([]byte, 6)
	rand.Read(b)
	db := "lbtest_server_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		stmt := "DROP DATABASE IF EXISTS " + db
		if cluster != "" {
			stmt += " ON CLUSTER " + cluster
		}
		resp, err := http.Post(url, "text/plain", strings.NewReader(stmt))
		if err != nil {
			t.Errorf("cannot drop test database %s: %v", db, err)
			return
		}
		resp.Body.Close()
	})
	return db
}

// startNode runs a Lightbox in-process with the given storage.
func startNode(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	cfg.ClickHouse.AssembleDelay = 20 * time.Millisecond
	return servertest.Start(t, cfg, servertest.ShutdownTimeout(30*time.Second))
}

// shopTrace is one trace of three services, as three segment documents:
// frontend calls api over HTTP, api calls DynamoDB and billing. Faults,
// errors and throttles vary with i.
func shopTrace(i int, t0 float64) (traceID string, docs []string) {
	traceID = fmt.Sprintf("1-%08x-%024x", int64(t0), 0xabc000+i)
	id := func(k int) string { return fmt.Sprintf("%08x%08x", i+1, k) }
	start := t0 + float64(i)*0.5
	apiFault := i%4 == 0
	throttled := i%5 == 0
	billingErr := i%3 == 0
	status := 200
	if apiFault {
		status = 502
	}
	customer := []string{"gold", "silver", "bronze"}[i%3]
	front := map[string]any{
		"trace_id": traceID, "id": id(1), "name": "frontend", "start_time": start, "end_time": start + 0.5,
		"origin": "AWS::EC2::Instance", "user": fmt.Sprintf("user-%d", i%3),
		"annotations": map[string]any{"customer": customer, "items": i % 7},
		"http":        map[string]any{"request": map[string]any{"method": "GET", "url": "https://shop.example/checkout"}, "response": map[string]any{"status": status}},
		"fault":       apiFault,
		"subsegments": []any{map[string]any{
			"id": id(2), "name": "api", "namespace": "remote", "start_time": start + 0.05, "end_time": start + 0.45, "fault": apiFault,
			"http": map[string]any{"request": map[string]any{"method": "POST", "url": "http://api.internal/order"}, "response": map[string]any{"status": status}},
		}},
	}
	api := map[string]any{
		"trace_id": traceID, "id": id(3), "parent_id": id(2), "name": "api", "start_time": start + 0.06, "end_time": start + 0.44,
		"origin": "AWS::ECS::Container", "fault": apiFault,
		"http": map[string]any{"request": map[string]any{"method": "POST", "url": "http://api.internal/order"}, "response": map[string]any{"status": status}},
		"subsegments": []any{
			map[string]any{"id": id(4), "name": "DynamoDB", "namespace": "aws", "start_time": start + 0.07, "end_time": start + 0.2,
				"error": throttled, "throttle": throttled,
				"aws": map[string]any{"operation": "GetItem", "table_name": "orders"}},
			map[string]any{"id": id(5), "name": "billing", "namespace": "remote", "start_time": start + 0.21, "end_time": start + 0.43, "error": billingErr,
				"http": map[string]any{"request": map[string]any{"method": "POST", "url": "http://billing.internal/charge"}}},
		},
	}
	if apiFault {
		api["cause"] = map[string]any{"working_directory": "/app", "exceptions": []any{
			map[string]any{"id": id(9), "message": "order table unavailable", "type": "OrderError"}}}
	}
	billing := map[string]any{
		"trace_id": traceID, "id": id(6), "parent_id": id(5), "name": "billing", "start_time": start + 0.22, "end_time": start + 0.42,
		"error": billingErr,
		"http":  map[string]any{"request": map[string]any{"method": "POST", "url": "http://billing.internal/charge"}, "response": map[string]any{"status": map[bool]int{true: 409, false: 200}[billingErr]}},
	}
	for _, d := range []map[string]any{front, api, billing} {
		b, err := json.Marshal(d)
		if err != nil {
			panic(err)
		}
		docs = append(docs, string(b))
	}
	return traceID, docs
}

func put(t *testing.T, c *awsxray.Client, docs ...string) {
	t.Helper()
	out, err := c.PutTraceSegments(context.Background(), &awsxray.PutTraceSegmentsInput{TraceSegmentDocuments: docs})
	if err != nil {
		t.Fatalf("PutTraceSegments: %v", err)
	}
	if len(out.UnprocessedTraceSegments) > 0 {
		t.Fatalf("PutTraceSegments left %d documents unprocessed", len(out.UnprocessedTraceSegments))
	}
}

// answers is what a node says about the workload, normalized for
// comparison: Revision is left out (the embedded engine counts changes, the
// ClickHouse engine counts writes).
type answers struct {
	Summaries  map[string]string    // filter expression → JSON of the summaries, by ID
	All        []types.TraceSummary // without a filter
	Traces     map[string][]string  // trace ID → its segment documents, sorted
	Graph      string
	TimeSeries string
	Groups     []string
}

var compareFilters = []string{
	"",
	"fault",
	"error",
	`service("api") { fault }`,
	`service("billing") { error }`,
	`service(id(type: "AWS::DynamoDB::Table")) { throttle }`,
	`edge("frontend", "api") { http.method = "POST" }`,
	`annotation.customer = "gold"`,
	`user = "user-1" AND ok`,
	`rootcause.fault.service { name = "api" }`,
	`responsetime > 0.4`,
}

func collect(t *testing.T, srv *server.Server, ids []string, from, to time.Time) answers {
	t.Helper()
	ctx := context.Background()
	c := servertest.XRayClient(srv)
	a := answers{Summaries: map[string]string{}, Traces: map[string][]string{}}
	for _, f := range compareFilters {
		in := &awsxray.GetTraceSummariesInput{StartTime: &from, EndTime: &to}
		if f != "" {
			in.FilterExpression = aws.String(f)
		}
		var all []types.TraceSummary
		p := awsxray.NewGetTraceSummariesPaginator(c, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("GetTraceSummaries(%q): %v", f, err)
			}
			all = append(all, out.TraceSummaries...)
		}
		for i := range all {
			all[i].Revision = 0
		}
		slices.SortFunc(all, func(x, y types.TraceSummary) int { return strings.Compare(aws.ToString(x.Id), aws.ToString(y.Id)) })
		b, _ := json.Marshal(all)
		a.Summaries[f] = string(b)
		if f == "" {
			a.All = all
		}
	}
	for chunk := range slices.Chunk(ids, 5) {
		out, err := c.BatchGetTraces(ctx, &awsxray.BatchGetTracesInput{TraceIds: chunk})
		if err != nil {
			t.Fatalf("BatchGetTraces: %v", err)
		}
		for _, tr := range out.Traces {
			var docs []string
			for _, s := range tr.Segments {
				docs = append(docs, aws.ToString(s.Document))
			}
			slices.Sort(docs)
			a.Traces[aws.ToString(tr.Id)] = docs
		}
	}
	g, err := c.GetServiceGraph(ctx, &awsxray.GetServiceGraphInput{StartTime: &from, EndTime: &to})
	if err != nil {
		t.Fatalf("GetServiceGraph: %v", err)
	}
	b, _ := json.Marshal(g.Services)
	a.Graph = string(b)
	ts, err := c.GetTimeSeriesServiceStatistics(ctx, &awsxray.GetTimeSeriesServiceStatisticsInput{
		StartTime: &from, EndTime: &to, EntitySelectorExpression: aws.String(`service("api")`), Period: aws.Int32(60)})
	if err != nil {
		t.Fatalf("GetTimeSeriesServiceStatistics: %v", err)
	}
	b, _ = json.Marshal(ts.TimeSeriesServiceStatistics)
	a.TimeSeries = string(b)
	gs, err := c.GetGroups(ctx, &awsxray.GetGroupsInput{})
	if err != nil {
		t.Fatalf("GetGroups: %v", err)
	}
	for _, gr := range gs.Groups {
		a.Groups = append(a.Groups, aws.ToString(gr.GroupName)+" "+aws.ToString(gr.FilterExpression))
	}
	return a
}

func diffAnswers(t *testing.T, what string, got, want answers) {
	t.Helper()
	for f, w := range want.Summaries {
		if got.Summaries[f] != w {
			t.Errorf("%s: GetTraceSummaries(%q):\n got  %s\n want %s", what, f, got.Summaries[f], w)
		}
	}
	if len(got.Traces) != len(want.Traces) {
		t.Errorf("%s: BatchGetTraces found %d traces, want %d", what, len(got.Traces), len(want.Traces))
	}
	for id, w := range want.Traces {
		if !slices.Equal(got.Traces[id], w) {
			t.Errorf("%s: BatchGetTraces(%s):\n got  %v\n want %v", what, id, got.Traces[id], w)
		}
	}
	if got.Graph != want.Graph {
		t.Errorf("%s: GetServiceGraph:\n got  %s\n want %s", what, got.Graph, want.Graph)
	}
	if got.TimeSeries != want.TimeSeries {
		t.Errorf("%s: GetTimeSeriesServiceStatistics:\n got  %s\n want %s", what, got.TimeSeries, want.TimeSeries)
	}
	if !slices.Equal(got.Groups, want.Groups) {
		t.Errorf("%s: GetGroups: got %v, want %v", what, got.Groups, want.Groups)
	}
}

// Two stateless nodes share one ClickHouse server. Each trace's three
// segments go to different nodes (out of order); both nodes then give the
// same answers to every read API as each other and as the embedded engine
// given the same segments through one node: one summary per trace with its
// root causes, the same service graph edges, time series and BatchGetTraces
// documents. A group created through one node is served by the other.
func TestClickHouseNodesAgreeWithEachOtherAndTheEmbeddedEngine(t *testing.T) {
	url := clickhouseURL(t)
	db := clickhouseDatabase(t, url, "")
	cfg := server.ClickHouseConfig{URL: url, Database: db}
	nodesAgree(t, cfg, cfg)
}

// The same on a cluster: two shards under Distributed tables, the first a
// replicated pair; three nodes, two talking to shard 1's first replica and
// one to shard 2, each trace's three segments sent to three different
// nodes. (Nodes talk to first replicas only: a node talking to a second
// replica writes to it, and other nodes, reading the first, miss those
// writes until replication catches up; docs/design/clickhouse.md.)
func TestClickHouseClusterNodesAgree(t *testing.T) {
	urls := clusterURLs(t)
	db := clickhouseDatabase(t, urls[0], "lightbox")
	var cfgs []server.ClickHouseConfig
	for _, u := range []string{urls[0], urls[1], urls[0]} {
		cfgs = append(cfgs, server.ClickHouseConfig{URL: u, Database: db, Cluster: "lightbox"})
	}
	nodesAgree(t, cfgs...)

	// Both shards hold documents, and shard 1's second replica has what
	// its first has.
	count := func(url string) string {
		resp, err := http.Post(url, "text/plain", strings.NewReader("SELECT count() FROM "+db+".documents_shard"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.TrimSpace(string(b))
	}
	s1, s2 := count(urls[0]), count(urls[1])
	if s1 == "0" || s2 == "0" {
		t.Errorf("documents per shard: %s and %s, want some on each", s1, s2)
	}
	if len(urls) > 2 {
		for deadline := time.Now().Add(30 * time.Second); count(urls[2]) != s1; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("shard 1's second replica has %s documents, the first %s", count(urls[2]), s1)
			}
		}
	}
}

// nodesAgree runs one ClickHouse node per configuration (at least two)
// beside an embedded one and checks they all answer alike.
func nodesAgree(t *testing.T, cfgs ...server.ClickHouseConfig) {
	retention := 200 * 365 * 24 * time.Hour
	var nodes []*server.Server
	var clients []*awsxray.Client
	for _, cfg := range cfgs {
		n := startNode(t, server.Config{Storage: server.StorageClickHouse, Retention: retention, ClickHouse: cfg})
		nodes = append(nodes, n)
		clients = append(clients, servertest.XRayClient(n))
	}
	embedded := startNode(t, server.Config{DataDir: t.TempDir()})
	k := len(nodes)

	const traces = 24
	t0 := float64(time.Now().Add(-10 * time.Minute).Unix())
	var ids []string
	for i := range traces {
		id, docs := shopTrace(i, t0)
		ids = append(ids, id)
		// billing, then api, then frontend: children before parents, and
		// every trace split over both nodes.
		put(t, clients[i%k], docs[2])
		put(t, clients[(i+1)%k], docs[1])
		put(t, clients[(i+2)%k], docs[0])
		put(t, servertest.XRayClient(embedded), docs...)
	}
	ctx := context.Background()
	if _, err := clients[0].CreateGroup(ctx, &awsxray.CreateGroupInput{GroupName: aws.String("api-faults"),
		FilterExpression: aws.String(`service("api") { fault }`)}); err != nil {
		t.Fatalf("CreateGroup through node 0: %v", err)
	}
	if _, err := servertest.XRayClient(embedded).CreateGroup(ctx, &awsxray.CreateGroupInput{GroupName: aws.String("api-faults"),
		FilterExpression: aws.String(`service("api") { fault }`)}); err != nil {
		t.Fatalf("CreateGroup on the embedded engine: %v", err)
	}
	for _, s := range append(nodes, embedded) {
		if err := s.Store().Sync(ctx); err != nil {
			t.Fatalf("Sync: %v", err)
		}
	}

	// On a cluster the group reaches the other servers by replication.
	for i, c := range clients {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			_, err := c.GetGroup(ctx, &awsxray.GetGroupInput{GroupName: aws.String("api-faults")})
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d does not serve the group created through node 0: %v", i, err)
			}
		}
	}
	from, to := time.Unix(int64(t0)-60, 0), time.Unix(int64(t0)+120, 0)
	want := collect(t, embedded, ids, from, to)
	a0 := collect(t, nodes[0], ids, from, to)

	// The workload is what the test says it is.
	sums := a0.All
	if len(sums) != traces {
		t.Fatalf("node 0 found %d traces, want %d (one summary per trace)", len(sums), traces)
	}
	faults := 0
	for _, s := range sums {
		if aws.ToBool(s.IsPartial) {
			t.Errorf("trace %s is partial: its pieces were not assembled into one trace", aws.ToString(s.Id))
		}
		if len(s.ServiceIds) < 4 {
			t.Errorf("trace %s names %d services, want frontend, api, billing and DynamoDB", aws.ToString(s.Id), len(s.ServiceIds))
		}
		if aws.ToBool(s.HasFault) {
			faults++
			if len(s.FaultRootCauses) == 0 {
				t.Errorf("faulty trace %s has no fault root cause", aws.ToString(s.Id))
			}
		}
	}
	if faults != traces/4 {
		t.Errorf("%d traces have a fault, want %d", faults, traces/4)
	}
	if got, want := graphEdges(t, a0.Graph), []string{"api→DynamoDB", "api→billing", "client→frontend", "frontend→api"}; !slices.Equal(got, want) {
		t.Errorf("service graph edges %v, want %v", got, want)
	}
	if !slices.Contains(a0.Groups, `api-faults service("api") { fault }`) {
		t.Errorf("node 0 does not serve the group created through it: %v", a0.Groups)
	}

	diffAnswers(t, "node 0 vs embedded", a0, want)
	for i := 1; i < k; i++ {
		diffAnswers(t, fmt.Sprintf("node %d vs node 0", i), collect(t, nodes[i], ids, from, to), a0)
	}
}

// graphEdges lists a service graph's edges as "caller→callee", sorted.
func graphEdges(t *testing.T, graph string) []string {
	var svcs []struct {
		ReferenceId int
		Name, Type  string
		Edges       []struct{ ReferenceId int }
	}
	if err := json.Unmarshal([]byte(graph), &svcs); err != nil {
		t.Fatal(err)
	}
	names := map[int]string{}
	for _, s := range svcs {
		names[s.ReferenceId] = s.Name
		if s.Type == "client" {
			names[s.ReferenceId] = "client"
		}
	}
	var out []string
	for _, s := range svcs {
		for _, e := range s.Edges {
			out = append(out, names[s.ReferenceId]+"→"+names[e.ReferenceId])
		}
	}
	slices.Sort(out)
	return out
}
