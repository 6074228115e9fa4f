package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// FindTraces pages through the summary rows in the window in the query's
// order (docs/design/clickhouse.md, Queries), keeping each row that is its
// trace's newest: a trace's newest row is in the window exactly when the
// trace is, and an older row of it, wherever it sits, is skipped. Ties on
// (time, trace ID) are ordered newest row first, so a page boundary
// inside a tie loses nothing.
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
	if q.RangeType == store.Overlapping {
		// Graphs and time series read every trace of the window: each
		// page query scans the window, so start large.
		page = 10000
	}
	emitted := make(map[string]bool)
	for {
		rows, err := s.findPage(ctx, q, after, page)
		if err != nil {
			return fmt.Errorf("cannot find traces: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		// Summaries are read and decoded a chunk of the page at a time,
		// so that a large page (a graph over a long window) holds only the
		// rows' IDs and one chunk of summaries in memory.
		for chunk := range slices.Chunk(rows, idChunk) {
			ids := make([]string, 0, len(chunk))
			for _, r := range chunk {
				ids = append(ids, r.id)
			}
			newest, err := s.loadNewest(ctx, ids)
			if err != nil {
				return fmt.Errorf("cannot find traces: %w", err)
			}
			for _, r := range chunk {
				after = &store.Position{Time: timeFromOrdered(r.t), TraceID: r.id}
				n := newest[r.id]
				if n.sum == nil || n.rev != r.rev || emitted[r.id] {
					continue // an older row, or a twin of the newest
				}
				emitted[r.id] = true
				pos := store.Position{Time: timeOf(q.RangeType, n.sum), TraceID: r.id}
				if q.Filter != nil && q.Filter.Match != nil && !q.Filter.Match(n.sum) {
					continue
				}
				if !fn(n.sum, pos) {
					return nil
				}
			}
		}
		if len(rows) < page {
			return nil
		}
		page = min(page*4, maxPage)
	}
}

// maxPage bounds the summary rows one page query returns. Each page query
// scans and sorts the rest of the window (the table is ordered by trace
// ID, not time), so a call that reads a whole window (graphs, time series)
// costs a scan per page: large pages keep those few. The first pages are
// small, for callers that want the first 100 results.
const maxPage = 100000

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

// pageRow is one summary row in a page: its trace, revision and ordered
// time.
type pageRow struct {
	id  string
	rev uint64
	t   uint64
}

// findPage returns the next page of summary rows in the window, in order.
func (s *Store) findPage(ctx context.Context, q store.TraceQuery, after *store.Position, limit int) ([]pageRow, error) {
	col := "tstart"
	switch q.RangeType {
	case store.ByTraceID:
		col = "tepoch"
	case store.ByEndTime:
		col = "tend"
	}
	lo, hi := ord(q.Start), ord(q.End)
	conds := []string{col + " >= " + lo + " AND " + col + " < " + hi}
	if q.RangeType == store.Overlapping {
		conds = []string{"tstart < " + hi + " AND tend >= " + lo}
	}
	switch q.RangeType {
	case store.ByStartTime:
		conds = append(conds, dayAtLeast(q.Start-epochSlack), dayAtMost(q.End+epochSlack))
	case store.ByEndTime, store.Overlapping:
		conds = append(conds, dayAtMost(q.End+epochSlack))
	}
	if q.Filter != nil && len(q.Filter.Terms) > 0 {
		conds = append(conds, "hasAll(terms, ["+quoteList(q.Filter.Terms)+"])")
	}
	if after != nil {
		t := ord(after.Time)
		conds = append(conds, "("+col+" < "+t+" OR "+col+" = "+t+" AND trace_id < "+quote(after.TraceID)+")")
	}
	stmt := "SELECT trace_id, rev, " + col + " FROM " + s.layout.table("summaries") +
		" WHERE " + strings.Join(conds, " AND ") +
		" ORDER BY " + col + " DESC, trace_id DESC, rev DESC LIMIT " + strconv.Itoa(limit)
	b, err := s.c.query(ctx, stmt)
	if err != nil {
		return nil, err
	}
	r := rowReader{b: b}
	var out []pageRow
	for r.more() {
		out = append(out, pageRow{id: r.str(), rev: r.u64(), t: r.u64()})
	}
	return out, r.err
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

type newestSummary struct {
	rev uint64
	sum *trace.Summary
}

// loadNewest reads the newest summary of each of ids.
func (s *Store) loadNewest(ctx context.Context, ids []string) (map[string]newestSummary, error) {
	out := make(map[string]newestSummary, len(ids))
	raw := make(map[string][]byte, len(ids))
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
			if r.err != nil {
				break
			}
			if cur, ok := out[id]; !ok || rev > cur.rev {
				out[id] = newestSummary{rev: rev}
				raw[id] = js
			}
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	for id, js := range raw {
		sum, err := decodeSummary(js, id)
		if err != nil {
			return nil, fmt.Errorf("cannot decode the summary of %s: %w", id, err)
		}
		out[id] = newestSummary{rev: out[id].rev, sum: sum}
	}
	return out, nil
}
