//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

// Built with -tags pprof only (scripts/bench-daemon.sh profiles with it):
// LIGHTBOX_PPROF_ADDR names a loopback address serving /debug/pprof.
func init() {
	if addr := os.Getenv("LIGHTBOX_PPROF_ADDR"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
