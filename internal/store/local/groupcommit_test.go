package local

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/lightbox-tracing/lightbox/segment"
)

// walSyncCounter wraps the real file system and counts fsyncs of WAL files.
func walSyncCounter() (vfs.FS, *atomic.Int64) {
	var n atomic.Int64
	fs := vfs.WithLogging(vfs.Default, func(format string, args ...any) {
		if !strings.HasPrefix(format, "sync") || len(args) == 0 {
			return
		}
		if name, ok := args[len(args)-1].(string); ok && strings.HasSuffix(name, ".log") {
			n.Add(1)
		}
	})
	return fs, &n
}

// Every acknowledged write has been fsynced, and writers running at once share
// fsyncs instead of queueing one each.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	batches := func(n int) [][]*segment.Document {
		rng := rand.New(rand.NewPCG(7, 7))
		out := make([][]*segment.Document, n)
		for i := range out {
			out[i] = genTrace(t, rng, 1795300000+uint32(i), 1795300000.5+float64(i), 5)
		}
		return out
	}

	t.Run("one writer syncs every batch", func(t *testing.T) {
		fs, syncs := walSyncCounter()
		o := testOptions(t.TempDir())
		o.fs = fs
		s := openTest(t, o)
		defer s.Close()
		const n = 50
		start := syncs.Load()
		for _, b := range batches(n) {
			if err := s.WriteSegments(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		if got := syncs.Load() - start; got < n {
			t.Fatalf("%d WAL syncs for %d sequential acknowledged batches", got, n)
		}
	})

	t.Run("concurrent writers share syncs", func(t *testing.T) {
		fs, syncs := walSyncCounter()
		o := testOptions(t.TempDir())
		o.fs = fs
		s := openTest(t, o)
		defer s.Close()
		const writers, perWriter = 16, 25
		all := batches(writers * perWriter)
		start := syncs.Load()
		var wg sync.WaitGroup
		var failed atomic.Bool
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, b := range all[w*perWriter : (w+1)*perWriter] {
					if err := s.WriteSegments(ctx, b); err != nil {
						t.Error(err)
						failed.Store(true)
						return
					}
				}
			}()
		}
		wg.Wait()
		if failed.Load() {
			return
		}
		got := syncs.Load() - start
		t.Logf("%d WAL syncs for %d concurrent batches", got, len(all))
		if got >= int64(len(all)) {
			t.Fatalf("%d WAL syncs for %d batches from %d writers: fsyncs are not shared", got, len(all), writers)
		}
	})
}
