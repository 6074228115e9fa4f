package clickhouse

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// A database written by schema version 1 (documents as received, JSON
// summaries) keeps working after version 2 opens it: its rows read as
// before, and a trace with rows of both versions is one trace.
func TestVersion1RowsStillRead(t *testing.T) {
	url := serverURL(t)
	db := testDatabase(t, url, t.TempDir())
	ctx := context.Background()
	// A database as version 1 left it: migration 1 only, rows in version
	// 1's forms.
	c, err := newClient(url, &http.Client{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{c: c, layout: layout{db: db}, log: slog.New(slog.DiscardHandler), now: time.Now}
	if err := s.migrateTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if v, err := s.schemaVersion(ctx); err != nil || v != 1 {
		t.Fatalf("schema version %d, %v; want 1", v, err)
	}
	const tid = "1-6553f100-00000000000000000000000a"
	old := parseDoc(t, `{"trace_id":"`+tid+`","id":"00000000000000a1","name":"front","start_time":1700000000,"end_time":1700000003,"subsegments":[{"id":"00000000000000a2","name":"db","start_time":1700000001,"end_time":1700000002}]}`)
	ptid, _ := segment.ParseTraceID(tid)
	var w rowWriter
	w.u16(homeDay(ptid, old.StartTime))
	w.str(tid)
	w.str(old.ID)
	w.u64(uint64(time.Now().UnixMicro()))
	w.u8(1)
	w.bytes(old.Raw)
	if err := s.c.insert(ctx, s.layout.table("documents"), documentColumns, w.b, nil); err != nil {
		t.Fatal(err)
	}
	sum := trace.Assemble(tid, []*segment.Document{old}).Summary()
	sum.Revision = 1
	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	w = rowWriter{}
	w.u16(homeDay(ptid, sum.StartTime))
	w.str(tid)
	w.u64(1)
	w.u64(0)
	w.u64(orderedTime(ptid.IndexTime(sum.StartTime)))
	w.u64(orderedTime(sum.StartTime))
	w.u64(orderedTime(sum.EndTime))
	w.strs(sum.Terms())
	w.bytes(js)
	if err := s.c.insert(ctx, s.layout.table("summaries"), summaryColumns, w.b, nil); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, testOptions(t, url, db))
	defer s.Close()
	if v, err := s.schemaVersion(ctx); err != nil || v != 2 {
		t.Fatalf("schema version after Open: %d, %v; want 2", v, err)
	}
	if got := findOne(t, s, tid, 1699999999, 1700000001); got == nil || got.Duration != 3 || got.SegmentCount != 1 {
		t.Fatalf("version 1 summary read as %+v", got)
	}
	got, err := s.GetTraces(ctx, []string{tid})
	if err != nil || len(got) != 1 || len(got[0].Documents) != 1 || !bytes.Equal(got[0].Documents[0].Raw, old.Raw) {
		t.Fatalf("version 1 document read as %+v, %v", got, err)
	}

	// Late data in version 2's forms joins the trace.
	late := parseDoc(t, `{"trace_id":"`+tid+`","id":"00000000000000b1","parent_id":"00000000000000a2","name":"back","start_time":1700000001.5,"end_time":1700000004}`)
	if err := s.WriteSegments(ctx, []*segment.Document{late}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := findOne(t, s, tid, 1699999999, 1700000001); got == nil || got.Duration != 4 || got.SegmentCount != 2 {
		t.Fatalf("summary of version 1 and 2 rows: %+v, want 4 s and 2 segments", got)
	}
	got, err = s.GetTraces(ctx, []string{tid})
	if err != nil || len(got) != 1 || len(got[0].Documents) != 2 {
		t.Fatalf("GetTraces: %+v, %v", got, err)
	}
	for _, d := range got[0].Documents {
		want := old.Raw
		if d.ID == late.ID {
			want = late.Raw
		}
		if !bytes.Equal(d.Raw, want) {
			t.Errorf("document %s read as %s, want %s", d.ID, d.Raw, want)
		}
	}
}
