package servertest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/server"
)

// childEnv names the data directory of a test binary started as a server
// process by StartChild.
const childEnv = "LIGHTBOX_SERVERTEST_CHILD_DATA_DIR"

// ServeIfChild, called first in TestMain, turns a test binary that
// StartChild started into a Lightbox server process on cfg (completed as
// Config does, on the data directory StartChild names) and exits when it
// has shut down; in any other process it returns at once. A child prints
// its addresses, then serves until SIGTERM, which flushes everything
// accepted like `lightbox serve` does (exit status 0 when that succeeds);
// SIGKILL kills it like a crash.
func ServeIfChild(cfg server.Config) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		return
	}
	cfg.DataDir = dir
	srv, err := server.New(withTestDefaults(cfg))
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	srv.Start()
	fmt.Printf("READY %s %s %s %s\n", srv.UDPAddr(), srv.TCPAddr(), addrOrOff(srv.OTLPGRPCAddr()), addrOrOff(srv.OTLPHTTPAddr()))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	if err := srv.Shutdown(context.Background()); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// A Child is a Lightbox server process started by StartChild.
type Child struct {
	Cmd *exec.Cmd
	// The child's bound addresses (host:port); "off" for an OTLP
	// receiver its configuration leaves off.
	UDPAddr, TCPAddr, OTLPGRPCAddr, OTLPHTTPAddr string
}

// StartChild starts the test binary again as a Lightbox server process on
// dir (its TestMain must call ServeIfChild), so that a test can kill it
// with SIGKILL as a crash would, and waits until it serves. The process is
// killed, if still running, when the test ends.
func StartChild(t testing.TB, dir string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 5 || f[0] != "READY" {
		t.Fatalf("child did not start: %q %v", line, err)
	}
	return &Child{Cmd: cmd, UDPAddr: f[1], TCPAddr: f[2], OTLPGRPCAddr: f[3], OTLPHTTPAddr: f[4]}
}
