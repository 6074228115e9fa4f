package forward

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// firstSeen lists document IDs in the order the upstream first received
// them (retries of a batch repeat IDs).
func firstSeen(u *upstream) []string {
	calls, _ := u.snapshot()
	seen := map[string]bool{}
	var out []string
	for _, c := range calls {
		for _, id := range c {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

func checkInOrder(t *testing.T, ids []string, n int) {
	t.Helper()
	if len(ids) != n {
		t.Fatalf("upstream received %d distinct documents, want %d", len(ids), n)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("document %s arrived after %s: out of order", ids[i], ids[i-1])
		}
	}
}

// outage answers 503 until healthy is set.
func outage(healthy *atomic.Bool) func(int, []string, http.ResponseWriter) {
	return func(_ int, _ []string, w http.ResponseWriter) {
		if healthy.Load() {
			ok(w)
			return
		}
		fail(w, 503, "ServiceUnavailableException")
	}
}

func TestSpoolAbsorbsOutageAndReplaysInOrder(t *testing.T) {
	var healthy atomic.Bool
	u := newUpstream(t, outage(&healthy))
	dir := t.TempDir()
	f := newForwarder(t, u, func(o *Options) {
		o.Concurrency = 1 // one upload at a time, so arrival order is observable
		o.BufferBytes = int64(20 * docSize)
		o.SpoolDir, o.SpoolBytes = dir, 1<<20
	})
	const n = 2000
	for i := 0; i < n; i += 25 {
		if err := f.WriteSegments(context.Background(), docs(i, 25)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "retries", func() bool { return f.Stats().Retries >= 3 })
	s := f.Stats()
	if s.Spooled != n-20 || s.Buffered != 20 {
		t.Fatalf("during the outage: %d spooled, %d buffered; want %d and 20", s.Spooled, s.Buffered, n-20)
	}
	checkBalance(t, s)
	healthy.Store(true)
	waitFor(t, "replay", func() bool { return f.Stats().Sent == n })
	s = f.Stats()
	checkBalance(t, s)
	for r, k := range s.Dropped {
		if k != 0 {
			t.Errorf("%d dropped (%s)", k, r)
		}
	}
	checkInOrder(t, firstSeen(u), n)
	if s.Spooled != 0 || s.SpooledBytes != 0 {
		t.Errorf("spool holds %d documents (%d bytes) after replay", s.Spooled, s.SpooledBytes)
	}
	// Finished spool files are deleted as they are read.
	if entries, _ := filepath.Glob(filepath.Join(dir, "*.spool")); len(entries) > 1 {
		t.Errorf("%d spool files left after replay: %v", len(entries), entries)
	}
}

func TestFullSpoolDropsAreCountedExactly(t *testing.T) {
	var healthy atomic.Bool
	u := newUpstream(t, outage(&healthy))
	rec := 5 + 16 + docSize
	f := newForwarder(t, u, func(o *Options) {
		o.BufferBytes = int64(10 * docSize)
		o.SpoolDir, o.SpoolBytes = t.TempDir(), int64(30*rec+rec/2)
	})
	if err := f.WriteSegments(context.Background(), docs(0, 100)); err != nil {
		t.Fatal(err)
	}
	s := f.Stats()
	if s.Buffered != 10 || s.Spooled != 30 || s.Dropped[ReasonSpoolFull] != 60 || s.Dropped[ReasonBufferFull] != 0 {
		t.Fatalf("buffered %d spooled %d dropped %v; want 10, 30, spool_full 60", s.Buffered, s.Spooled, s.Dropped)
	}
	healthy.Store(true)
	waitFor(t, "delivery", func() bool { return f.Stats().Sent == 40 })
	checkBalance(t, f.Stats())
}

func TestSpoolSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	var down atomic.Bool
	u1 := newUpstream(t, outage(&down)) // never healthy
	f1, err := New(Options{Endpoint: u1.srv.URL, Logger: quietLogger(), FlushInterval: 20 * time.Millisecond,
		RetryBase: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond,
		BufferBytes: int64(5 * docSize), SpoolDir: dir, SpoolBytes: 1 << 20, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	if err := f1.WriteSegments(context.Background(), docs(0, n)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	f1.Close(ctx)
	s1 := f1.Stats()
	if s1.Spooled != n-5 || s1.Dropped[ReasonShutdown] != 5 {
		t.Fatalf("first run: %+v; want %d spooled and the 5 in memory dropped at shutdown", s1, n-5)
	}

	u2 := newUpstream(t, nil)
	f2 := newForwarder(t, u2, func(o *Options) {
		o.Concurrency = 1
		o.BufferBytes = int64(5 * docSize)
		o.SpoolDir, o.SpoolBytes = dir, 1<<20
	})
	if s := f2.Stats(); s.Restored != n-5 {
		t.Fatalf("second run restored %d documents, want %d", s.Restored, n-5)
	}
	waitFor(t, "replay after restart", func() bool { return f2.Stats().Sent == n-5 })
	checkBalance(t, f2.Stats())
	ids := firstSeen(u2)
	checkInOrder(t, ids, n-5)
	if want := docs(5, 1)[0].ID; ids[0] != want {
		t.Errorf("replay starts at %s, want %s (the first spooled document)", ids[0], want)
	}
	if _, err := os.Stat(filepath.Join(dir, "cursor")); err != nil {
		t.Errorf("no cursor file: %v", err)
	}
}
