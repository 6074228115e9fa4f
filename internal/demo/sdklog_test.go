package demo

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-xray-sdk-go/xraylog"
)

type text string

func (t text) String() string { return string(t) }

func TestSDKLoggerLevelsAndRepeats(t *testing.T) {
	var buf bytes.Buffer
	l := SDKLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Log(xraylog.LogLevelInfo, text("Emitter using address: 127.0.0.1:2000")) // chatter: debug, dropped
	for range 3 {
		l.Log(xraylog.LogLevelError, text("write udp: connection refused"))
	}
	l.Log(xraylog.LogLevelWarn, text("sampling rules stale"))
	got := buf.String()
	if strings.Contains(got, "Emitter") || strings.Count(got, "connection refused") != 1 || !strings.Contains(got, "level=WARN msg=\"sampling rules stale\"") {
		t.Errorf("log output:\n%s\nwant no Emitter line, one connection refused error, one warning", got)
	}
}
