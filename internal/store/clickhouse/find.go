package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// FindTraces pages through the newest summary of each trace in the window
// (docs/design/clickhouse.md, Queries): candidates with any summary row in
// the window (pruned by the filter's terms), then the newest row per
// candidate re-checked against the window and the position, ordered and
// cut to a page, then that page's summaries.
func (s *Store) FindTraces(ctx context.Context, q store.TraceQuery, fn func(*trace.Summary, store.Position) bool) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if q.After != nil {
		if _, err := segment.ParseTraceID(q.After.TraceID); err != nil {
			return fmt.Errorf("cannot resume after %q: %w", q.After.TraceID, err)
		}
	}
	if !(q.Start < q.End) {
		return nil
	}
	after := q.After
	page := 100
	for {
		ids, revs, err := s.findPage(ctx, q, after, page)
		if err != nil {
			return fmt.Errorf("cannot find traces: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		sums, err := s.loadSummaries(ctx, ids, revs)
		if err != nil {
			return fmt.Errorf("cannot find traces: %w", err)
		}
		for i, id := range ids {
			sum := sums[i]
			if sum == nil {
				return fmt.Errorf("cannot find traces: summary %d of trace %s vanished", revs[i], id)
			}
			pos := store.Position{Time: timeOf(q.RangeType, sum), TraceID: id}
			after = &pos
			if q.Filter != nil && q.Filter.Match != nil && !q.Filter.Match(sum) {
				continue
			}
			if !fn(sum, pos) {
				return nil
			}
		}
		if len(ids) < page {
			return nil
		}
		page = min(page*4, 10000)
	}
}

// timeOf is the time a trace is ordered by.
func timeOf(rt store.RangeType, s *trace.Summary) float64 {
	switch rt {
	case store.ByTraceID:
		tid, _ := segment.ParseTraceID(s.ID)
		return tid.IndexTime(s.StartTime)
	case store.ByEndTime:
		return s.EndTime
	}
	return s.StartTime
}

func ord(t float64) string { return strconv.FormatUint(orderedTime(t), 10) }

// findPage returns the next page of trace IDs and their newest revisions.
func (s *Store) findPage(ctx context.Context, q store.TraceQuery, after *store.Position, limit int) ([]string, []uint64, error) {
	// Columns of the stored rows, and the names of the newest row's values.
	col, alias := "tstart", "st"
	switch q.RangeType {
	case store.ByTraceID:
		col, alias = "tepoch", "ep"
	case store.ByEndTime:
		col, alias = "tend", "en"
	}
	lo, hi := ord(q.Start), ord(q.End)
	window := func(c, start, end string) string {
		if q.RangeType == store.Overlapping {
			return start + " < " + hi + " AND " + end + " >= " + lo
		}
		return c + " >= " + lo + " AND " + c + " < " + hi
	}
	var prune []string
	switch q.RangeType {
	case store.ByStartTime:
		prune = append(prune, dayAtLeast(q.Start-epochSlack), dayAtMost(q.End+epochSlack))
	case store.ByEndTime, store.Overlapping:
		prune = append(prune, dayAtMost(q.End+epochSlack))
	}
	if q.Filter != nil && len(q.Filter.Terms) > 0 {
		prune = append(prune, "hasAll(terms, ["+quoteList(q.Filter.Terms)+"])")
	}
	candidates := "SELECT trace_id FROM " + s.layout.table("summaries") + " WHERE " + window(col, "tstart", "tend")
	for _, p := range prune {
		candidates += " AND " + p
	}
	outer := window(alias, "st", "en")
	if after != nil {
		t := ord(after.Time)
		outer += " AND (" + alias + " < " + t + " OR " + alias + " = " + t + " AND trace_id < " + quote(after.TraceID) + ")"
	}
	stmt := "SELECT trace_id, r FROM (SELECT trace_id, max(rev) AS r, argMax(tepoch, rev) AS ep, " +
		"argMax(tstart, rev) AS st, argMax(tend, rev) AS en FROM " + s.layout.table("summaries") +
		" WHERE trace_id IN (" + candidates + ") GROUP BY trace_id) WHERE " + outer +
		" ORDER BY " + alias + " DESC, trace_id DESC LIMIT " + strconv.Itoa(limit)
	b, err := s.c.query(ctx, stmt)
	if err != nil {
		return nil, nil, err
	}
	r := rowReader{b: b}
	var ids []string
	var revs []uint64
	for r.more() {
		ids = append(ids, r.str())
		revs = append(revs, r.u64())
	}
	return ids, revs, r.err
}

// lastDate is the last day every server's Date type reads back as such.
const lastDate = 49709 // 2106-02-06

// dayAtLeast and dayAtMost are conditions on the day partition column that
// let ClickHouse skip partitions; "1" when there is nothing to skip.
func dayAtLeast(t float64) string {
	if d := dayOf(t); d > 0 && d <= lastDate {
		return "day >= " + dateLiteral(d)
	}
	return "1"
}

func dayAtMost(t float64) string {
	if d := dayOf(t); d < lastDate {
		return "day <= " + dateLiteral(d)
	}
	return "1"
}

func dateLiteral(d uint16) string {
	return "toDate(" + quote(time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")) + ")"
}

// loadSummaries reads the summaries of ids at the given revisions, in the
// same order.
func (s *Store) loadSummaries(ctx context.Context, ids []string, revs []uint64) ([]*trace.Summary, error) {
	want := make(map[string]uint64, len(ids))
	for i, id := range ids {
		want[id] = revs[i]
	}
	found := make(map[string]*trace.Summary, len(ids))
	for rest := ids; len(rest) > 0; {
		chunk := rest[:min(len(rest), idChunk)]
		rest = rest[len(chunk):]
		b, err := s.c.query(ctx, "SELECT trace_id, rev, summary FROM "+s.layout.table("summaries")+
			" WHERE trace_id IN ("+quoteList(chunk)+")")
		if err != nil {
			return nil, err
		}
		r := rowReader{b: b}
		for r.more() {
			id, rev, js := r.str(), r.u64(), r.bytes()
			if r.err != nil || rev != want[id] || found[id] != nil {
				continue
			}
			sum := new(trace.Summary)
			if err := json.Unmarshal(js, sum); err != nil {
				return nil, fmt.Errorf("cannot decode the summary of %s: %w", id, err)
			}
			found[id] = sum
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	out := make([]*trace.Summary, len(ids))
	for i, id := range ids {
		out[i] = found[id]
	}
	return out, nil
}
