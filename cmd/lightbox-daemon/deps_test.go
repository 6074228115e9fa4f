package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The lean binary exists so that a host running only the daemon does not
// pay, in resident memory, for the server: every page of a linked package
// that is touched (at init, or by huge-page readahead of the binary)
// counts in RSS. These packages, or their heavy dependencies, must stay
// out of its import graph.
var forbidden = []string{
	"github.com/lightbox-tracing/lightbox/internal/server",
	"github.com/lightbox-tracing/lightbox/internal/api",
	"github.com/lightbox-tracing/lightbox/internal/store/local",
	"github.com/lightbox-tracing/lightbox/internal/query",
	"github.com/lightbox-tracing/lightbox/internal/demo",
	"github.com/cockroachdb/pebble",
	"modernc.org/sqlite",
	"github.com/aws/aws-sdk-go-v2/service/dynamodb",
	"github.com/aws/aws-sdk-go-v2/service/s3",
	"github.com/aws/aws-sdk-go-v2/service/sqs",
}

func TestImportGraphIsLean(t *testing.T) {
	out, err := exec.Command(goTool(t), "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 || !slices.Contains(deps, "github.com/lightbox-tracing/lightbox/internal/xraydaemon") {
		t.Fatalf("go list -deps returned %d packages without internal/xraydaemon: %q", len(deps), out)
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("lightbox-daemon links %s (forbidden prefix %s)", d, f)
			}
		}
	}
}

// goTool is the go command of the toolchain running the test.
func goTool(t testing.TB) string {
	if root := runtime.GOROOT(); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("cannot find the go command: %v", err)
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
