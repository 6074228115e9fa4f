package ratelog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRateLog(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	now := time.Unix(1700000000, 0)
	r := New(log, 10*time.Second, 2)
	r.now = func() time.Time { return now }

	for range 5 {
		r.Warn("InvalidJSON", "bad")
	}
	r.Warn("queue_full", "full") // another key has its own budget
	now = now.Add(11 * time.Second)
	r.Warn("InvalidJSON", "bad again")
	r.Warn("InvalidJSON", "bad again")
	r.Warn("InvalidJSON", "bad again") // suppressed, reported by flush
	r.Flush()

	want := []string{
		`level=WARN msg=bad reason=InvalidJSON`,
		`level=WARN msg=bad reason=InvalidJSON`,
		`level=WARN msg=full reason=queue_full`,
		`level=WARN msg="bad again" reason=InvalidJSON suppressed=3`,
		`level=WARN msg="bad again" reason=InvalidJSON`,
		`level=WARN msg="similar messages were suppressed" reason=InvalidJSON suppressed=1`,
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
