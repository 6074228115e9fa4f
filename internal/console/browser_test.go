package console_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/demo"
	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// browserTools finds node, playwright-core (web/node_modules) and
// Chromium. In CI a missing one fails the test; elsewhere it skips, saying
// what to install.
func browserTools(t *testing.T) (node, chromium string) {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		msg := what + " is missing: install Debian's chromium (apt-get install chromium) and run `npm --prefix web ci`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node")
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing(chromium)
	}
	if _, err := os.Stat("../../web/node_modules/playwright-core/package.json"); err != nil {
		missing("web/node_modules/playwright-core")
	}
	return node, chromium
}

// The browser test: a Lightbox fed by the demo (plus a trace whose
// names and annotations hold markup, and a 200-node trace for the map's
// render time), driven in headless Chromium by web/e2e/console.spec.mjs.
// The spec asserts each behaviour; its screenshots land in
// web/e2e/artifacts.
func TestConsoleInBrowser(t *testing.T) {
	node, chromium := browserTools(t)
	srv := servertest.Start(t, server.Config{}, servertest.ShutdownTimeout(20*time.Second))
	base := "http://" + srv.TCPAddr().String()

	d, err := demo.New(demo.Config{DaemonAddr: srv.UDPAddr().String(), ThrottleRate: 0.4, S3FaultRate: 0.2, LatencyScale: 0.3, Users: 20, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	d.Start()
	servertest.StopAtCleanup(t, "close the demo", 20*time.Second, d.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// A number of requests rather than a duration; the race detector makes
	// the demo's photo handling slow, so the batches are modest. Another
	// batch runs while the map still lacks a node (or a failed login): on
	// a loaded machine many requests can go unanswered.
	demoMap := func() bool {
		names := graphNames(t, base, time.Now().Add(-10*time.Minute), time.Now().Add(time.Minute))
		for _, want := range []string{"imagetrends", "labeler", "Rekognition", "S3", "Unknown"} {
			if !slices.Contains(names, want) {
				return false
			}
		}
		return true
	}
	var failedLogins int64
	for batch := 1; ; batch++ {
		counts, err := d.RunTraffic(ctx, demo.TrafficConfig{Rate: 10, Requests: 60, LoginFailureRate: 0.15, SlowRate: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("demo traffic, batch %d: %s", batch, counts)
		failedLogins += counts.Unauthorized
		if failedLogins > 0 && waitUntil(30*time.Second, demoMap) {
			break
		}
		if batch == 5 {
			t.Fatal("five batches of demo traffic did not make the demo's map and a failed login")
		}
	}

	hostileID := putHostileTrace(t, base)
	bigID := putBigTrace(t, base, 25, 200)
	benchStart, benchEnd := putWideTrace(t, base, 200)

	// Wait until Lightbox has assembled what the spec looks for.
	waitFor(t, "the 200-node map", func() bool {
		return len(graphNames(t, base, benchStart, benchEnd)) >= 201
	})
	waitFor(t, "the hostile trace's summary", func() bool {
		var out struct{ TraceSummaries []struct{ Id string } }
		post(t, base, "/TraceSummaries", map[string]any{"StartTime": time.Now().Add(-10 * time.Minute).Unix(), "EndTime": time.Now().Add(time.Minute).Unix(), "FilterExpression": `annotation.html BEGINSWITH "<script"`}, &out)
		return len(out.TraceSummaries) == 1 && out.TraceSummaries[0].Id == hostileID
	})

	waitFor(t, "the 5,000-subsegment trace", func() bool {
		var out struct{ Traces []struct{ Segments []any } }
		post(t, base, "/Traces", map[string]any{"TraceIds": []string{bigID}}, &out)
		return len(out.Traces) == 1 && len(out.Traces[0].Segments) >= 26
	})

	artifacts, _ := filepath.Abs("../../web/e2e/artifacts")
	os.RemoveAll(artifacts) // screenshots of this run only
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	specCtx, cancelSpec := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancelSpec()
	cmd := exec.CommandContext(specCtx, node, "e2e/console.spec.mjs")
	cmd.Dir = "../../web"
	cmd.Env = append(os.Environ(),
		"BASE_URL="+base,
		"CHROMIUM="+chromium,
		"ARTIFACTS="+artifacts,
		"HOSTILE_TRACE_ID="+hostileID,
		"BIG_TRACE_ID="+bigID,
		fmt.Sprintf("BENCH_START=%d", benchStart.Unix()),
		fmt.Sprintf("BENCH_END=%d", benchEnd.Unix()),
	)
	out, err := cmd.CombinedOutput()
	t.Logf("console.spec.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("the browser spec failed: %v (screenshots in %s)", err, artifacts)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !waitUntil(3*time.Minute, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// waitUntil polls cond until it holds or d has passed.
func waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
	return true
}

func post(t *testing.T, base, path string, in, out any) {
	t.Helper()
	body, _ := json.Marshal(in)
	res, err := http.Post(base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("POST %s: %d %s", path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
	}
}

func graphNames(t *testing.T, base string, from, to time.Time) []string {
	var g struct{ Services []struct{ Name string } }
	post(t, base, "/ServiceGraph", map[string]any{"StartTime": from.Unix(), "EndTime": to.Unix()}, &g)
	var names []string
	for _, s := range g.Services {
		names = append(names, s.Name)
	}
	return names
}

func hexID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func traceID(at time.Time) string {
	return fmt.Sprintf("1-%08x-%s", at.Unix(), hexID(12))
}

func putSegments(t *testing.T, base string, docs []map[string]any) {
	t.Helper()
	for len(docs) > 0 {
		n := min(50, len(docs))
		var strs []string
		for _, d := range docs[:n] {
			b, _ := json.Marshal(d)
			strs = append(strs, string(b))
		}
		var out struct{ UnprocessedTraceSegments []any }
		post(t, base, "/TraceSegments", map[string]any{"TraceSegmentDocuments": strs}, &out)
		if len(out.UnprocessedTraceSegments) > 0 {
			t.Fatalf("segments refused: %v", out.UnprocessedTraceSegments)
		}
		docs = docs[n:]
	}
}

// Markup the spec looks for, verbatim, as text.
const (
	hostileSubsegment = `<img src=x onerror="window.__xss='name'">`
	hostileAnnotation = `<script>window.__xss='annotation'</script>`
	hostileUser       = `<b onmouseover="window.__xss='user'">mallory</b>`
)

// putHostileTrace writes a trace whose every free-text field holds markup.
// Segment names only allow a few punctuation characters, so the segment's
// name carries what it may and its subsegment carries the tags.
func putHostileTrace(t *testing.T, base string) string {
	now := time.Now()
	id := traceID(now)
	seg := map[string]any{
		"name": `evil & co #=+ @ % \ service`, "id": hexID(8), "trace_id": id,
		"start_time": float64(now.UnixMicro())/1e6 - 0.5, "end_time": float64(now.UnixMicro()) / 1e6,
		"user":        hostileUser,
		"annotations": map[string]any{"html": hostileAnnotation},
		"metadata":    map[string]any{"default": map[string]any{"payload": `<iframe src="javascript:window.__xss='metadata'">`}},
		"http": map[string]any{
			"request":  map[string]any{"method": "GET", "url": `http://evil.example/<svg onload=alert(1)>`},
			"response": map[string]any{"status": 500},
		},
		"fault": true,
		"cause": map[string]any{"working_directory": "/srv/<i>app</i>", "exceptions": []any{map[string]any{
			"id": hexID(8), "type": `<h1>Boom</h1>`, "message": `<img src=y onerror="window.__xss='exception'">`,
			"stack": []any{map[string]any{"path": "handler.go", "line": 42, "label": `<u>serve</u>`}, map[string]any{"path": "main.go", "line": 7, "label": "main"}},
		}}},
		"subsegments": []any{map[string]any{
			"name": hostileSubsegment, "id": hexID(8),
			"start_time": float64(now.UnixMicro())/1e6 - 0.4, "end_time": float64(now.UnixMicro())/1e6 - 0.1,
			"annotations": map[string]any{"note": hostileAnnotation},
		}, map[string]any{
			// Still running when the segment was sent.
			"name": "pending call", "id": hexID(8), "start_time": float64(now.UnixMicro())/1e6 - 0.2, "in_progress": true,
		}},
	}
	putSegments(t, base, []map[string]any{seg})
	return id
}

// putWideTrace writes one trace of n services two hours ago, out of the
// demo's way, shaped like a large real map: a root calling 10 services,
// each calling 3, each of those heading a chain of the rest (8 ranks, at
// most 30 nodes in one). The spec times the map of that window.
func putWideTrace(t *testing.T, base string, n int) (from, to time.Time) {
	at := time.Now().Add(-2 * time.Hour)
	id := traceID(at)
	start := float64(at.Unix())
	type svc struct {
		name, parent string // parent: the caller's subsegment id
		calls        []string
	}
	var all []*svc
	add := func(name, parent string) *svc {
		s := &svc{name: name, parent: parent}
		all = append(all, s)
		return s
	}
	call := func(from *svc, name string) *svc {
		sub := hexID(8)
		from.calls = append(from.calls, sub)
		return add(name, sub)
	}
	root := add("bench-root", "")
	var heads []*svc
	for i := range 10 {
		mid := call(root, fmt.Sprintf("bench-%02d", i))
		for j := range 3 {
			heads = append(heads, call(mid, fmt.Sprintf("bench-%02d-%d", i, j)))
		}
	}
	tails := heads
	for depth := 1; len(all) < n; depth++ {
		for i, h := range tails {
			if len(all) >= n {
				break
			}
			tails[i] = call(h, fmt.Sprintf("%s-%d", heads[i].name, depth))
		}
	}
	var docs []map[string]any
	for _, s := range all {
		var subs []any
		for _, c := range s.calls {
			subs = append(subs, map[string]any{"name": "call", "id": c, "start_time": start + 0.01, "end_time": start + 0.5})
		}
		d := map[string]any{"name": s.name, "id": hexID(8), "trace_id": id, "start_time": start, "end_time": start + 1, "http": map[string]any{"response": map[string]any{"status": 200}}}
		if s.parent != "" {
			d["parent_id"] = s.parent
		}
		if len(subs) > 0 {
			d["subsegments"] = subs
		}
		docs = append(docs, d)
	}
	putSegments(t, base, docs)
	return at.Add(-time.Minute), at.Add(time.Minute)
}

// putBigTrace writes a trace of a root segment calling segments services,
// each with subsegments subsegments (two levels deep), for the timeline's
// large-trace check.
func putBigTrace(t *testing.T, base string, segments, subsegments int) string {
	now := time.Now().Add(-3 * time.Hour) // out of the demo's map and the 200-node one
	id := traceID(now)
	start := float64(now.UnixMicro()) / 1e6
	var calls []any
	var docs []map[string]any
	for i := range segments {
		call := hexID(8)
		calls = append(calls, map[string]any{"name": fmt.Sprintf("call-%02d", i), "id": call, "start_time": start + float64(i)*0.01, "end_time": start + 1})
		var subs []any
		for j := 0; j < subsegments; j += 4 {
			var inner []any
			for k := range 3 {
				inner = append(inner, map[string]any{"name": fmt.Sprintf("q%d", k), "id": hexID(8), "start_time": start + 0.1 + float64(j)*0.004 + float64(k)*0.001, "end_time": start + 0.1 + float64(j)*0.004 + float64(k+1)*0.001})
			}
			subs = append(subs, map[string]any{"name": fmt.Sprintf("step-%03d", j), "id": hexID(8), "start_time": start + 0.1 + float64(j)*0.004, "end_time": start + 0.104 + float64(j)*0.004, "subsegments": inner})
		}
		docs = append(docs, map[string]any{"name": fmt.Sprintf("big-svc-%02d", i), "id": hexID(8), "trace_id": id, "parent_id": call, "start_time": start + float64(i)*0.01, "end_time": start + 1, "subsegments": subs})
	}
	docs = append(docs, map[string]any{"name": "big-root", "id": hexID(8), "trace_id": id, "start_time": start, "end_time": start + 1.1, "subsegments": calls})
	putSegments(t, base, docs)
	return id
}
