package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/xraydaemon"
)

// runDaemon is `lightbox daemon`: the X-Ray daemon's flags and YAML file,
// forwarding to AWS X-Ray or to a Lightbox.
func runDaemon(ctx context.Context, args []string) error {
	cfg, err := xraydaemon.ParseArgs(args, os.Getenv, os.Stderr)
	switch {
	case errors.Is(err, xraydaemon.ErrVersion):
		fmt.Println("lightbox daemon", version)
		return nil
	case errors.Is(err, flag.ErrHelp):
		return nil
	case err != nil:
		return err
	}
	level, err := xraydaemon.SlogLevel(cfg.LogLevel)
	if err != nil {
		return err
	}
	var out io.Writer = os.Stderr
	if cfg.LogPath != "" {
		f, err := os.OpenFile(cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("cannot open log file: %w", err)
		}
		defer f.Close()
		out = f
	}
	cfg.Logger = slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	d, err := xraydaemon.New(ctx, cfg)
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
	cfg.Logger.Info("stopped", "dropped", d.Stats().Dropped, "sent", d.Stats().Sent)
	return nil
}
