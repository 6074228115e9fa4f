package clickhouse

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

// docRow is one stored write of a document.
type docRow struct {
	id       string
	stamp    uint64
	complete bool
	raw      []byte
}

// traceRows is every stored write of one trace.
type traceRows struct {
	rows     []docRow
	maxStamp uint64
}

// latest picks, per document ID, the write that counts: the latest complete
// one, else the latest in progress. An in-progress document never replaces
// a complete one.
func (t *traceRows) latest() []docRow {
	best := make(map[string]int, len(t.rows))
	var order []string
	for i, r := range t.rows {
		j, ok := best[r.id]
		if !ok {
			best[r.id] = i
			order = append(order, r.id)
			continue
		}
		b := t.rows[j]
		if r.complete && !b.complete || r.complete == b.complete && r.stamp > b.stamp {
			best[r.id] = i
		}
	}
	out := make([]docRow, 0, len(order))
	for _, id := range order {
		out = append(out, t.rows[best[id]])
	}
	return out
}

// idChunk bounds the trace IDs one query names, to stay well inside the
// servers' max_query_size (256 KiB).
const idChunk = 2000

// loadRows reads every stored write of the given (canonical) trace IDs;
// without withRaw it leaves out the documents themselves (the summarizer
// has most of them in memory, and they are most of the bytes to read).
func (s *Store) loadRows(ctx context.Context, ids []string, withRaw bool) (map[string]*traceRows, error) {
	out := make(map[string]*traceRows, len(ids))
	cols := "trace_id, id, stamp, complete"
	if withRaw {
		cols += ", raw"
	}
	for len(ids) > 0 {
		n := min(len(ids), idChunk)
		chunk := ids[:n]
		ids = ids[n:]
		b, err := s.c.query(ctx, "SELECT "+cols+" FROM "+s.layout.table("documents")+
			" WHERE trace_id IN ("+quoteList(chunk)+")")
		if err != nil {
			return nil, err
		}
		r := rowReader{b: b}
		for r.more() {
			tid := r.str()
			row := docRow{id: r.str(), stamp: r.u64(), complete: r.u8() == 1}
			if withRaw {
				row.raw = r.bytes()
			}
			if r.err != nil {
				break
			}
			if withRaw {
				if row.raw, err = unpackDoc(row.raw, tid, row.id); err != nil {
					return nil, fmt.Errorf("cannot read document %s of trace %s: %w", row.id, tid, err)
				}
			}
			t := out[tid]
			if t == nil {
				t = &traceRows{}
				out[tid] = t
			}
			t.rows = append(t.rows, row)
			t.maxStamp = max(t.maxStamp, row.stamp)
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	return out, nil
}

// GetTraces returns the stored documents of each requested trace that
// exists, in the order requested. IDs that are not trace IDs are unknown.
func (s *Store) GetTraces(ctx context.Context, ids []string) ([]store.TraceDocuments, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	canon := make([]string, 0, len(ids))
	for _, id := range ids {
		tid, err := segment.ParseTraceID(strings.ToLower(id))
		if err != nil {
			continue
		}
		canon = append(canon, tid.String())
	}
	if len(canon) == 0 {
		return nil, nil
	}
	rows, err := s.loadRows(ctx, canon, true)
	if err != nil {
		return nil, fmt.Errorf("cannot get traces: %w", err)
	}
	out := make([]store.TraceDocuments, 0, len(canon))
	for _, id := range canon {
		t := rows[id]
		if t == nil {
			continue
		}
		docs, err := decodeRows(id, t.latest())
		if err != nil {
			return nil, err
		}
		out = append(out, store.TraceDocuments{ID: id, Documents: docs})
	}
	return out, nil
}

func decodeRows(id string, rows []docRow) ([]*segment.Document, error) {
	docs := make([]*segment.Document, 0, len(rows))
	for _, r := range rows {
		d, err := decodeDoc(r.raw)
		if err != nil {
			return nil, fmt.Errorf("cannot decode document %s of trace %s: %w", r.id, id, err)
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// fetchRaw reads the documents of the given writes (trace ID → writes
// without raw) and fills them in.
func (s *Store) fetchRaw(ctx context.Context, need map[string][]*docRow) error {
	ids := make([]string, 0, len(need))
	for id := range need {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		n := min(len(ids), idChunk)
		chunk := ids[:n]
		ids = ids[n:]
		var st []string
		for _, id := range chunk {
			for _, r := range need[id] {
				st = append(st, strconv.FormatUint(r.stamp, 10))
			}
		}
		b, err := s.c.query(ctx, "SELECT trace_id, id, stamp, raw FROM "+s.layout.table("documents")+
			" WHERE trace_id IN ("+quoteList(chunk)+") AND stamp IN ("+strings.Join(st, ",")+")")
		if err != nil {
			return err
		}
		r := rowReader{b: b}
		for r.more() {
			tid, id, stamp, raw := r.str(), r.str(), r.u64(), r.bytes()
			if r.err != nil {
				break
			}
			if raw, err = unpackDoc(raw, tid, id); err != nil {
				return fmt.Errorf("cannot read document %s of trace %s: %w", id, tid, err)
			}
			for _, row := range need[tid] {
				if row.id == id && row.stamp == stamp {
					row.raw = raw
				}
			}
		}
		if r.err != nil {
			return r.err
		}
	}
	return nil
}
