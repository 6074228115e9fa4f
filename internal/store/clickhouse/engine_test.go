package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

func parseDoc(t testing.TB, raw string) *segment.Document {
	t.Helper()
	docs, err := segment.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return docs[0]
}

// findOne returns the summary of one trace through FindTraces.
func findOne(t testing.TB, s *Store, id string, start, end float64) *trace.Summary {
	t.Helper()
	var got *trace.Summary
	err := s.FindTraces(context.Background(), store.TraceQuery{Start: start, End: end, RangeType: store.ByStartTime},
		func(sum *trace.Summary, p store.Position) bool {
			if p.TraceID == id {
				got = sum
			}
			return true
		})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Nodes starting at once on an empty database all migrate it without
// error, and the schema ends at the newest version.
func TestConcurrentMigrations(t *testing.T) {
	url := serverURL(t)
	db := testDatabase(t, url, t.TempDir())
	const nodes = 4
	var wg sync.WaitGroup
	stores := make([]*Store, nodes)
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = Open(testOptions(t, url, db)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: Open: %v", i, err)
		}
		defer stores[i].Close()
	}
	v, err := stores[0].schemaVersion(context.Background())
	if err != nil || v != migrations[len(migrations)-1].version {
		t.Fatalf("schema version %d, %v; want %d", v, err, migrations[len(migrations)-1].version)
	}
}

// A database migrated by a newer Lightbox is refused, not misread.
func TestOpenRefusesNewerSchema(t *testing.T) {
	url := serverURL(t)
	db := testDatabase(t, url, t.TempDir())
	s := openTest(t, testOptions(t, url, db))
	var w rowWriter
	w.u32(999)
	w.str("from the future")
	w.u32(0)
	if err := s.c.insert(context.Background(), s.layout.table("schema_migrations"), []string{"version", "name", "applied_at"}, w.b, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(testOptions(t, url, db)); err == nil {
		t.Fatal("Open of a database at schema version 999 succeeded")
	}
}

// Documents that a node inserted and never summarized (it died in
// between) are summarized by the next node that opens the database.
func TestRecoverUnsummarizedTraces(t *testing.T) {
	url := serverURL(t)
	db := testDatabase(t, url, t.TempDir())
	dead := openTest(t, testOptions(t, url, db))
	const tid = "1-6553f100-00000000000000000000dead"
	doc := parseDoc(t, `{"trace_id":"`+tid+`","id":"00000000000000d1","name":"svc","start_time":1700000000,"end_time":1700000002}`)
	// What WriteSegments inserts, without the summarizing that follows.
	var w rowWriter
	ptid, _ := segment.ParseTraceID(tid)
	w.u16(homeDay(ptid, doc.StartTime))
	w.str(tid)
	w.str(doc.ID)
	w.u64(uint64(time.Now().UnixMicro()))
	w.u8(1)
	w.bytes(doc.Raw)
	if err := dead.c.insert(context.Background(), dead.layout.table("documents"), documentColumns, w.b, nil); err != nil {
		t.Fatal(err)
	}
	dead.Close()

	s := openTest(t, testOptions(t, url, db))
	defer s.Close()
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	sum := findOne(t, s, tid, 1699999999, 1700000001)
	if sum == nil || sum.Duration != 2 || sum.SegmentCount != 1 {
		t.Fatalf("summary after recovery: %+v, want a 2 s trace of one document", sum)
	}
	if s.Stats().Traces != 1 {
		t.Errorf("Stats().Traces = %d, want 1", s.Stats().Traces)
	}
}

// Two nodes (two Stores on one database, so the in-process lock does not
// serialize them) updating one record concurrently lose no update: the
// claim tables make compare-and-set hold across nodes.
func TestConfigCompareAndSetAcrossNodes(t *testing.T) {
	url := serverURL(t)
	db := testDatabase(t, url, t.TempDir())
	nodes := []*Store{openTest(t, testOptions(t, url, db)), openTest(t, testOptions(t, url, db))}
	defer nodes[0].Close()
	defer nodes[1].Close()
	ctx := context.Background()
	const each = 15
	var wg sync.WaitGroup
	for _, s := range nodes {
		for range 2 {
			wg.Go(func() {
				for i := 0; i < each; {
					r, err := s.GetConfig(ctx, store.ConfigTags, "shared")
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Error(err)
						return
					}
					_, err = s.PutConfig(ctx, store.ConfigTags, "shared", r.Version, append(r.Value, 'x'))
					if errors.Is(err, store.ErrConflict) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					i++
				}
			})
		}
	}
	wg.Wait()
	want := uint64(len(nodes) * 2 * each)
	for i, s := range nodes {
		r, err := s.GetConfig(ctx, store.ConfigTags, "shared")
		if err != nil || r.Version != want || uint64(len(r.Value)) != want {
			t.Errorf("node %d after %d updates: version %d, %d bytes, %v", i, want, r.Version, len(r.Value), err)
		}
	}
	// Only the newest claim is kept.
	b, err := nodes[0].c.query(ctx, "SELECT toUInt64(count()) FROM system.tables WHERE database = "+quote(db)+" AND name LIKE 'cas\\_%'")
	if err != nil {
		t.Fatal(err)
	}
	r := rowReader{b: b}
	if n := r.u64(); n != 1 {
		t.Errorf("%d claim tables left, want 1", n)
	}
}

// A claim whose writer died before inserting its row is removed after a
// while, so the record does not stay locked.
func TestStaleConfigClaimIsRemoved(t *testing.T) {
	url := serverURL(t)
	db := testDatabase(t, url, t.TempDir())
	now := time.Now()
	var mu sync.Mutex
	o := testOptions(t, url, db)
	o.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := openTest(t, o)
	defer s.Close()
	ctx := context.Background()
	if err := s.claim(ctx, store.ConfigSamplingRule, "r", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutConfig(ctx, store.ConfigSamplingRule, "r", 0, []byte("v")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Put while another writer holds the claim: %v, want ErrConflict", err)
	}
	mu.Lock()
	now = now.Add(staleClaim + 2*time.Second)
	mu.Unlock()
	if v, err := s.PutConfig(ctx, store.ConfigSamplingRule, "r", 0, []byte("v")); err != nil || v != 1 {
		t.Fatalf("Put after the claim went stale: %d, %v; want 1", v, err)
	}
}

// Retention drops whole day partitions older than the cutoff and keeps the
// rest.
func TestRetentionDropsOldDays(t *testing.T) {
	url := serverURL(t)
	db := testDatabase(t, url, t.TempDir())
	o := testOptions(t, url, db)
	o.Retention = 48 * time.Hour
	s := openTest(t, o)
	defer s.Close()
	ctx := context.Background()
	now := float64(time.Now().Unix())
	ids := map[string]float64{}
	for i, age := range []float64{0, 5 * 86400} {
		start := now - age
		tid := fmt.Sprintf("1-%08x-%024x", int64(start), i+1)
		ids[tid] = start
		doc := parseDoc(t, fmt.Sprintf(`{"trace_id":%q,"id":"%016x","name":"svc","start_time":%d,"end_time":%d}`, tid, i+1, int64(start), int64(start)+1))
		if err := s.WriteSegments(ctx, []*segment.Document{doc}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	s.dropExpired(ctx)
	for tid, start := range ids {
		got, err := s.GetTraces(ctx, []string{tid})
		if err != nil {
			t.Fatal(err)
		}
		sum := findOne(t, s, tid, start-1, start+1)
		old := now-start > 86400
		if old != (len(got) == 0) || old != (sum == nil) {
			t.Errorf("trace from %v s ago: %d traces read, summary %v; want kept %v", now-start, len(got), sum != nil, !old)
		}
	}
}
