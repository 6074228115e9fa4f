package xraydaemon

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestShutdownLeavesNoGoroutines starts a daemon, moves some documents
// and a proxied call through it, shuts it down, and expects none of its
// goroutines (listener, forwarder, replayer, HTTP server) to remain.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	isolateAWS(t)
	v := newVerifier(t, aws.Credentials{})
	c := Config{Endpoint: v.srv.URL, NoSign: true, SpoolDir: t.TempDir(), SpoolMB: 4,
		UDPAddr: "127.0.0.1:0", TCPAddr: "127.0.0.1:0", LocalMode: true, BufferMB: 3, FlushInterval: 20 * time.Millisecond}
	d, err := New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	d.Start()
	for i := range 10 {
		sendUDP(t, d.UDPAddr(), segmentJSON(i, 10))
	}
	waitFor(t, "upload", func() bool { return d.Stats().Sent == 10 })
	chunkedSamplingCall(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	ours := []string{"internal/daemon.(*Listener)", "internal/forward.(*Forwarder)", "internal/xraydaemon."}
	waitFor(t, "the daemon's goroutines to end", func() bool {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "TestShutdownLeavesNoGoroutines") {
				continue // this test
			}
			for _, o := range ours {
				if strings.Contains(g, o) {
					t.Logf("still running:\n%s", g)
					return false
				}
			}
		}
		return true
	})
}
