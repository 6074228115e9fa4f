//go:build loadtest

package otlp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
)

// TestOTLPSustainedRate measures `lightbox serve` taking OTLP from a
// separate process (this test) on the same machine, then checks through the
// X-Ray API that every acknowledged span is stored:
//
//	go test -tags loadtest -run OTLPSustainedRate -v -timeout 30m ./internal/otlp
//
// It builds and starts the binary itself (data in a temporary directory),
// or starts LIGHTBOX_BIN.
// OTLP_LOAD_SPANS (default 1,000,000), OTLP_LOAD_SENDERS (16) and
// OTLP_LOAD_PROTO (grpc or http) tune it. Requests are 512 spans (64 traces
// of 8 spans); each sender waits for its answer before sending again, as
// an SDK's batch exporter does. The test fails below 50,000 spans/s.
func TestOTLPSustainedRate(t *testing.T) {
	total := envInt(t, "OTLP_LOAD_SPANS", 1_000_000)
	senders := envInt(t, "OTLP_LOAD_SENDERS", 16)
	proto := os.Getenv("OTLP_LOAD_PROTO")
	if proto == "" {
		proto = "grpc"
	}
	grpcAddr, httpAddr, apiAddr, pid := startServe(t)

	const traces = 64
	p, err := newRequestPatcher(traces, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	send := httpSender(t, httpAddr)
	if proto == "grpc" {
		send = grpcSender(t, grpcAddr)
	}
	requests := total / (traces * spansPerTrace)
	var left atomic.Int64
	left.Store(int64(requests))
	var wg sync.WaitGroup
	start := time.Now()
	serverCPU0, senderCPU0 := procCPU(t, pid), cpuTime()
	for range senders {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if err := send(p.request()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	serverCPU, senderCPU := procCPU(t, pid)-serverCPU0, cpuTime()-senderCPU0
	spans := requests * traces * spansPerTrace
	rate := float64(spans) / elapsed.Seconds()
	t.Logf("%s, %d senders: %d spans acknowledged in %s: %.0f spans/s; server used %s CPU (%.0f spans/cpu-s), sender %s",
		proto, senders, spans, elapsed.Round(time.Millisecond), rate, serverCPU.Round(time.Millisecond),
		float64(spans)/serverCPU.Seconds(), senderCPU.Round(time.Millisecond))

	// The store assembles traces in the background; count its CPU until it
	// has caught up too.
	waitPending(t, apiAddr)
	all := procCPU(t, pid) - serverCPU0
	t.Logf("until every trace was assembled: %s after the first request, server CPU %s (%.0f spans/cpu-s)",
		time.Since(start).Round(time.Millisecond), all.Round(time.Millisecond), float64(spans)/all.Seconds())

	// Every acknowledged trace, read back whole through the X-Ray API.
	c := awsxray.New(awsxray.Options{BaseEndpoint: aws.String("http://" + apiAddr), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
	n := p.next.Load()
	ids := make([]string, 0, 100)
	found := 0
	check := func() {
		out, err := c.BatchGetTraces(context.Background(), &awsxray.BatchGetTracesInput{TraceIds: ids})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range out.Traces {
			for _, sg := range tr.Segments { // the others are inferred segments
				if os.Getenv("OTLP_LOAD_DEBUG") != "" {
					t.Logf("%s: %s", aws.ToString(tr.Id), aws.ToString(sg.Document))
				}
				if d := aws.ToString(sg.Document); strings.Contains(d, `"name":"checkout"`) && strings.Count(d, `"id":`) == spansPerTrace {
					found++
				}
			}
		}
		ids = ids[:0]
	}
	for req := uint64(1); req <= n; req++ {
		for _, id := range p.traceIDs(req) {
			ids = append(ids, id)
			if len(ids) == 100 {
				check()
			}
		}
	}
	if len(ids) > 0 {
		check()
	}
	t.Logf("%d of %d traces stored whole", found, requests*traces)
	if found != requests*traces {
		t.Errorf("%d of %d acknowledged traces stored whole", found, requests*traces)
	}
	if rate < 50000 {
		t.Errorf("%.0f spans/s is below the 50,000/s bar", rate)
	}
}

// traceIDs are the X-Ray IDs of the traces of request number n.
func (p *requestPatcher) traceIDs(n uint64) []string {
	b := append([]byte(nil), p.body...)
	var ids []string
	seen := map[string]bool{} // each trace ID is in the request once per span
	for _, off := range p.offsets {
		b[off], b[off+1], b[off+2], b[off+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		raw := b[off-4 : off+12]
		if id := fmt.Sprintf("1-%x-%x", raw[:4], raw[4:]); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

func envInt(t *testing.T, name string, def int) int {
	if s := os.Getenv(name); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	return def
}

// startServe builds cmd/lightbox and runs `lightbox serve` on ephemeral
// loopback ports; it returns the OTLP/gRPC, OTLP/HTTP and API addresses.
func startServe(t *testing.T) (grpcAddr, httpAddr, apiAddr string, pid int) {
	bin := os.Getenv("LIGHTBOX_BIN") // a binary built elsewhere, or this tree's
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "lightbox")
		build := exec.Command("go", "build", "-o", bin, "../../cmd/lightbox")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			t.Fatalf("go build: %v", err)
		}
	}
	cmd := exec.Command(bin, "serve", "--data-dir", t.TempDir(), "--bind", "127.0.0.1:0", "--bind-tcp", "127.0.0.1:0",
		"--otlp-grpc", "127.0.0.1:0", "--otlp-http", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	serving := regexp.MustCompile(`tcp=(\S+).*otlp_grpc=(\S+) otlp_http=(\S+)`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := serving.FindStringSubmatch(sc.Text()); m != nil {
			go func() { // keep draining the log
				for sc.Scan() {
				}
			}()
			return m[2], m[3], m[1], cmd.Process.Pid
		}
	}
	t.Fatalf("lightbox serve did not start")
	return
}

// procCPU is the CPU time (user and system) process pid has used.
func procCPU(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name (which may hold spaces, in parentheses).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// waitPending waits until the server reports no trace waiting for assembly.
func waitPending(t *testing.T, apiAddr string) {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + apiAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, "lightbox_store_pending_traces "); ok && strings.TrimSpace(v) == "0" {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("traces still pending assembly after 5 minutes")
}
