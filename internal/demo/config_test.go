package demo

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigValidation(t *testing.T) {
	f := func(cfg Config, wantErr string) {
		t.Helper()
		err := cfg.withDefaults().validate()
		if (err == nil) != (wantErr == "") || (err != nil && !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("validate(%+v) = %v, want error containing %q", cfg, err, wantErr)
		}
	}
	f(Config{}, "")
	f(Config{ThrottleRate: 1, S3FaultRate: -1}, "")
	f(Config{ThrottleRate: 1.5}, "throttle rate 1.5")
	f(Config{S3FaultRate: 2}, "S3 fault rate 2")
	f(Config{Users: -3}, "users -3")
	f(Config{LatencyScale: -1}, "latency scale")

	d := Config{}.withDefaults()
	if d.DaemonAddr != "127.0.0.1:2000" || d.Listen != "127.0.0.1:0" || d.ThrottleRate != DefaultThrottleRate || d.S3FaultRate != DefaultS3FaultRate || d.Users != DefaultUsers || d.LatencyScale != 1 {
		t.Errorf("defaults = %+v", d)
	}
	if n := (Config{ThrottleRate: -1}).withDefaults().ThrottleRate; n != 0 {
		t.Errorf("a negative rate means never; got %v", n)
	}
	for rate, want := range map[float64]int{5: 50, 100: 50, 1000: 500, 1e6: 5000} {
		if got := UsersFor(rate); got != want {
			t.Errorf("UsersFor(%v) = %d, want %d", rate, got, want)
		}
	}
}

// A demo that cannot start closes what it opened: no listener, no
// database file left behind.
func TestNewCleansUpOnError(t *testing.T) {
	checkGoroutines(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if _, err := New(Config{DaemonAddr: "127.0.0.1:9", Listen: busy.Addr().String(), Logger: discard}); err == nil || !strings.Contains(err.Error(), "cannot listen for imagetrends") {
		t.Fatalf("New on a busy port: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "imagetrends-*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Fatal(err)
	}
}
