// Command lightbox-daemon is `lightbox daemon` on its own: a drop-in
// replacement for the AWS X-Ray daemon (same flags, same cfg.yaml) that
// forwards segments to AWS X-Ray or to a Lightbox. It runs the same code
// as `lightbox daemon` but links only the daemon's packages, not the
// server, its store or the demo, so that what a host pays in memory is
// the daemon's own (see docs/benchmarks.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/lightbox-tracing/lightbox/internal/xraydaemon"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := xraydaemon.Run(ctx, os.Args[1:], "lightbox-daemon", version, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lightbox-daemon:", err)
		os.Exit(1)
	}
}
