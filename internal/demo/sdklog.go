package demo

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-xray-sdk-go/xraylog"
)

// SDKLogger adapts the X-Ray SDK's logging to slog. The SDK logs through
// one process-wide logger (xray.SetLogger), so only a main package should
// install it. Its informational chatter becomes debug, and a message
// repeated within a minute (an error per segment while no daemon listens)
// is logged once.
func SDKLogger(l *slog.Logger) xraylog.Logger {
	return &sdkLogger{log: l, last: map[string]time.Time{}}
}

type sdkLogger struct {
	log  *slog.Logger
	mu   sync.Mutex
	last map[string]time.Time
}

const sdkRepeatEvery = time.Minute

func (s *sdkLogger) Log(level xraylog.LogLevel, msg fmt.Stringer) {
	var l slog.Level
	switch level {
	case xraylog.LogLevelWarn:
		l = slog.LevelWarn
	case xraylog.LogLevelError:
		l = slog.LevelError
	default:
		l = slog.LevelDebug
	}
	ctx := context.Background()
	if !s.log.Enabled(ctx, l) {
		return
	}
	text := msg.String()
	now := time.Now()
	s.mu.Lock()
	if t, ok := s.last[text]; ok && now.Sub(t) < sdkRepeatEvery {
		s.mu.Unlock()
		return
	}
	if len(s.last) > 1000 {
		clear(s.last)
	}
	s.last[text] = now
	s.mu.Unlock()
	s.log.Log(ctx, l, text, "component", "aws-xray-sdk-go")
}
