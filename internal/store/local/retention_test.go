package local

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// clock is a settable Options.Now.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

// tableBytes is the size of the sstables in dir, read from the file system
// itself rather than from Pebble's accounting.
func tableBytes(t testing.TB, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".sst") {
			info, err := d.Info()
			if err != nil {
				return nil // deleted meanwhile
			}
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Expired partitions go as a whole and their files leave the disk; recent
// data stays, and late data for a dropped partition goes at the next pass.
func TestRetentionDropFreesDisk(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := newClock(base)
	o := testOptions(dir)
	o.Partition = time.Hour
	o.Retention = 24 * time.Hour
	o.Now = clk.now
	s := openTest(t, o)
	defer func() { s.Close() }()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))

	// Six hours of old data (about 4 MB), one hour of recent data.
	write := func(at time.Time, traces int) []string {
		var ids []string
		for i := range traces {
			start := at.Add(time.Duration(i) * time.Hour / time.Duration(traces))
			docs := genTrace(t, rng, uint32(start.Unix()), float64(start.UnixNano())/1e9, 10)
			if err := s.WriteSegments(ctx, docs); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, docs[0].TraceID)
		}
		return ids
	}
	var old []string
	for h := range 6 {
		old = append(old, write(base.Add(-72*time.Hour+time.Duration(h)*time.Hour), 60)...)
	}
	recent := write(base.Add(-time.Hour), 60)
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	before, statBefore := tableBytes(t, dir), s.Stats().DiskBytes
	if before < 2<<20 {
		t.Fatalf("only %d bytes of tables before retention; the test needs more data", before)
	}

	n, err := s.dropExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Fatalf("dropped %d partitions, want 6", n)
	}
	// Obsolete files are deleted in the background: give it a moment.
	var after int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		after = tableBytes(t, dir)
		if after < before/4 || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("tables: %d bytes before, %d after; DiskBytes %d before, %d after", before, after, statBefore, s.Stats().DiskBytes)
	if after >= before/4 {
		t.Fatalf("tables hold %d bytes after dropping 6 of 7 hours, %d before: disk space did not come back", after, before)
	}
	if statAfter := s.Stats().DiskBytes; statAfter >= statBefore {
		t.Errorf("DiskBytes %d after retention, %d before", statAfter, statBefore)
	}

	check := func(when string) {
		t.Helper()
		got, err := s.GetTraces(ctx, append(old[:3:3], recent...))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(recent) {
			t.Errorf("%s: GetTraces found %d traces, want only the %d recent ones", when, len(got), len(recent))
		}
		var found int
		err = s.FindTraces(ctx, store.TraceQuery{Start: 0, End: 1e10, RangeType: store.ByStartTime},
			func(*trace.Summary, store.Position) bool { found++; return true })
		if err != nil {
			t.Fatal(err)
		}
		if found != len(recent) {
			t.Errorf("%s: FindTraces found %d traces, want %d", when, found, len(recent))
		}
	}
	check("after retention")
	s.Close()
	s = openTest(t, o)
	check("after reopening")

	// Late data for an expired partition is stored, then dropped again.
	late := genTrace(t, rng, uint32(base.Add(-70*time.Hour).Unix()), float64(base.Add(-70*time.Hour).Unix()), 2)
	if err := s.WriteSegments(ctx, late); err != nil {
		t.Fatal(err)
	}
	if n, err := s.dropExpired(ctx); err != nil || n != 1 {
		t.Fatalf("second pass dropped %d partitions (%v), want 1", n, err)
	}
	if got, _ := s.GetTraces(ctx, []string{late[0].TraceID}); len(got) != 0 {
		t.Error("late data for an expired partition survived the next pass")
	}

	// A day later the recent hour expires too.
	clk.add(25 * time.Hour)
	if n, err := s.dropExpired(ctx); err != nil || n != 1 {
		t.Fatalf("a day later dropped %d partitions (%v), want 1", n, err)
	}
	if got, _ := s.GetTraces(ctx, recent); len(got) != 0 {
		t.Errorf("%d recent traces survived their expiry", len(got))
	}
}

// Partitions are chosen once per trace: from the trace ID epoch when it is
// close to the start time, from the start time otherwise, and every later
// document of the trace follows the first, even after the trace left the
// in-memory cache.
func TestPartitionChoice(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(dir)
	o.Partition = time.Hour
	o.TraceCacheSize = 2 // forces lookups on disk
	s := openTest(t, o)
	defer s.Close()
	ctx := context.Background()
	const hour = 3600.0
	base := 1795300000.0 - float64(int64(1795300000)%3600) // on an hour boundary
	doc := func(tid string, id string, start float64) *segment.Document {
		return mustParse(t, fmt.Sprintf(`{"trace_id":%q,"id":%q,"name":"svc","start_time":%f,"end_time":%f}`,
			tid, id, start, start+1))[0]
	}
	epochHex := func(f float64) string { return fmt.Sprintf("%08x", uint32(f)) }
	hex8 := func(i int) string { return fmt.Sprintf("%02x", i) }
	cases := []struct {
		name  string
		tid   string
		docs  []float64 // start times, written one by one
		wantP float64   // time inside the expected partition
	}{
		{"X-Ray ID: the epoch", "1-" + epochHex(base+10) + "-000000000000000000000001", []float64{base + 10, base + 2*hour}, base},
		{"epoch within a day of the start", "1-" + epochHex(base+10) + "-000000000000000000000002", []float64{base + 5*hour}, base},
		{"random epoch: the first start", "1-12345678-000000000000000000000003", []float64{base + 3*hour + 5, base - 5*hour, base + 9*hour}, base + 3*hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i, st := range tc.docs {
				if err := s.WriteSegments(ctx, []*segment.Document{doc(tc.tid, "00000000000000"+hex8(i), st)}); err != nil {
					t.Fatal(err)
				}
				// Evict the trace from the cache between writes.
				for j := range 4 {
					other := "1-" + epochHex(base) + "-0000000000000000000fff" + hex8(j)[0:2]
					if err := s.WriteSegments(ctx, []*segment.Document{doc(other, "0000000000000001", base)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			tid, _ := segment.ParseTraceID(tc.tid)
			want := s.parts.of(tc.wantP)
			p, ok, err := s.lookup(tid, 0)
			if err != nil || !ok || p != want {
				t.Fatalf("trace in partition %d (found %v, %v), want %d", p, ok, err, want)
			}
			docs, err := s.loadDocs(s.db, want, tid)
			if err != nil || len(docs) != len(tc.docs) {
				t.Fatalf("partition %d holds %d documents of the trace (%v), want %d", want, len(docs), err, len(tc.docs))
			}
		})
	}
}
