package xraydaemon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

// isolateAWS keeps the host's AWS configuration, credentials and instance
// metadata out of a test; creds, when set, become the environment's.
func isolateAWS(t *testing.T, creds ...string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "")
	keys := []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
	for i, k := range keys {
		v := ""
		if i < len(creds) {
			v = creds[i]
		}
		t.Setenv(k, v)
	}
}

// startDaemon runs a daemon in-process on ephemeral loopback ports.
func startDaemon(t *testing.T, c Config) *Daemon {
	t.Helper()
	c.UDPAddr, c.TCPAddr, c.LocalMode = "127.0.0.1:0", "127.0.0.1:0", true
	if c.BufferMB == 0 {
		c.BufferMB = 8
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = 50 * time.Millisecond
	}
	if c.RetryBase == 0 {
		c.RetryBase, c.RetryMax = 10*time.Millisecond, 100*time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d, err := New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	d.Start()
	servertest.StopAtCleanup(t, "shut down the daemon", 10*time.Second, d.Shutdown)
	return d
}

const udpHeader = "{\"format\": \"json\", \"version\": 1}\n"

// segmentJSON is a valid segment document padded to about pad bytes.
func segmentJSON(i int, pad int) string {
	now := float64(time.Now().UnixNano()) / 1e9
	return fmt.Sprintf(`{"trace_id":"1-%08x-%024x","id":"%016x","name":"svc","start_time":%.6f,"end_time":%.6f,"annotations":{"pad":"%s"}}`,
		int64(now), i+1, i+1, now-0.01, now, strings.Repeat("x", pad))
}

func sendUDP(t *testing.T, addr net.Addr, doc string) {
	t.Helper()
	conn, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(udpHeader + doc)); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
