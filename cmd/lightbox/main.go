// Command lightbox is a self-hosted, X-Ray compatible tracing system.
//
//	lightbox serve     run the server (UDP segments + X-Ray API on :2000)
//	lightbox daemon    a drop-in X-Ray daemon forwarding to AWS X-Ray or a Lightbox
//	lightbox loadgen   replay realistic segments at a chosen rate and check they were stored
//	lightbox demo      run the ImageTrends demo application and traffic against a Lightbox
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Usage: lightbox <command> [flags]

Commands:
  serve     run Lightbox: segments over UDP, the X-Ray API over HTTP
  daemon    a drop-in X-Ray daemon (same flags and cfg.yaml) forwarding to
            AWS X-Ray or to a Lightbox, never dropping silently
  loadgen   send realistic segments at a chosen rate and verify they were stored
  demo      run ImageTrends, the workshops' photo app, with simulated users,
            sending traces to a Lightbox ('lightbox serve --demo' runs both)
  version   print the version

Run 'lightbox <command> -h' for a command's flags.
`

var version = "dev"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "serve":
		err = runServe(ctx, args)
	case "daemon":
		err = runDaemon(ctx, args)
	case "loadgen":
		err = runLoadgen(ctx, args)
	case "demo":
		err = runDemo(ctx, args)
	case "version", "--version", "-version":
		fmt.Println("lightbox", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "lightbox: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lightbox:", err)
		os.Exit(1)
	}
}
