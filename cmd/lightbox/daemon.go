package main

import (
	"context"
	"os"

	"github.com/lightbox-tracing/lightbox/internal/xraydaemon"
)

// runDaemon is `lightbox daemon`: the X-Ray daemon's flags and YAML file,
// forwarding to AWS X-Ray or to a Lightbox. The lean lightbox-daemon
// binary (cmd/lightbox-daemon) runs the same code.
func runDaemon(ctx context.Context, args []string) error {
	return xraydaemon.Run(ctx, args, "lightbox daemon", version, os.Stdout, os.Stderr)
}
