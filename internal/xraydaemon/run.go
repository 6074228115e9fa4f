package xraydaemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"
)

// memoryLimit is the Go runtime's soft memory limit for a buffer of
// bufBytes. The buffered documents are nearly all the daemon holds (with
// about a tenth more for allocation rounding); a limit a little above
// them makes the collector work harder as the buffer fills, instead of
// letting the heap grow to twice the live data as it would by GOGC alone,
// so the process stays near --buffer-memory even when the upstream is
// down. GOMEMLIMIT, when set, wins.
func memoryLimit(bufBytes int64) int64 { return bufBytes + bufBytes/4 + 16<<20 }

// Run is the daemon's command line, shared by `lightbox daemon` and the
// lean lightbox-daemon binary: it parses args as the X-Ray daemon would,
// runs until ctx ends, then uploads what is buffered (10 s at most).
// name and version are what -v prints.
func Run(ctx context.Context, args []string, name, version string, stdout, stderr io.Writer) error {
	cfg, err := ParseArgs(args, os.Getenv, stderr)
	switch {
	case errors.Is(err, ErrVersion):
		fmt.Fprintln(stdout, name, version)
		return nil
	case errors.Is(err, flag.ErrHelp):
		return nil
	case err != nil:
		return err
	}
	level, err := SlogLevel(cfg.LogLevel)
	if err != nil {
		return err
	}
	out := stderr
	if cfg.LogPath != "" {
		f, err := os.OpenFile(cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("cannot open log file: %w", err)
		}
		defer f.Close()
		out = f
	}
	cfg.Logger = slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	if os.Getenv("GOMEMLIMIT") == "" {
		if b, err := cfg.bufferBytes(); err == nil {
			debug.SetMemoryLimit(memoryLimit(b))
		}
	}
	d, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	d.Start()
	<-ctx.Done()
	cfg.Logger.Info("shutting down: uploading buffered segments")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Shutdown(shutdownCtx); err != nil {
		return err
	}
	st := d.Stats()
	cfg.Logger.Info("stopped", "dropped", st.Dropped, "sent", st.Sent)
	return nil
}
