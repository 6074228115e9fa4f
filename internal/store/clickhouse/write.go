package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lightbox-tracing/lightbox/segment"
)

// documentColumns are the columns WriteSegments inserts, in order.
var documentColumns = []string{"day", "trace_id", "id", "stamp", "complete", "raw"}

// writeReq is one WriteSegments call waiting for the flusher.
type writeReq struct {
	rows   []byte
	traces []string
	docs   map[string][]cachedDoc // for the summarizer
	done   chan error
}

// WriteSegments queues the documents for the next INSERT and returns once
// that INSERT returned: then ClickHouse has them. Concurrent callers share
// one INSERT (group commit), so that ClickHouse gets few, large inserts.
func (s *Store) WriteSegments(ctx context.Context, docs []*segment.Document) error {
	if err := s.enter(); err != nil {
		return err
	}
	if len(docs) == 0 {
		s.leave()
		return nil
	}
	req := &writeReq{done: make(chan error, 1), docs: make(map[string][]cachedDoc)}
	w := rowWriter{b: make([]byte, 0, 256*len(docs))}
	first := s.nextStamps(len(docs))
	seen := make(map[string]bool)
	var (
		pk     packer
		packed []byte
	)
	for i, d := range docs {
		tid, err := segment.ParseTraceID(d.TraceID)
		if err != nil {
			s.leave()
			return fmt.Errorf("cannot write document %s: %w", d.ID, err)
		}
		id := tid.String()
		w.u16(homeDay(tid, d.StartTime))
		w.str(id)
		w.str(d.ID)
		w.u64(first + uint64(i))
		if d.InProgress {
			w.u8(0)
		} else {
			w.u8(1)
		}
		packed = pk.appendPacked(packed[:0], d.Raw, id, d.ID)
		w.bytes(packed)
		req.docs[id] = append(req.docs[id], cachedDoc{id: d.ID, stamp: first + uint64(i), raw: d.Raw})
		if !seen[id] {
			seen[id] = true
			req.traces = append(req.traces, id)
		}
	}
	req.rows = w.b
	s.wmu.Lock()
	s.wqueue = append(s.wqueue, req)
	s.wmu.Unlock()
	s.leave()
	select {
	case s.wkick <- struct{}{}:
	default:
	}
	select {
	case err := <-req.done:
		if err != nil {
			return fmt.Errorf("cannot write %d documents: %w", len(docs), err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cannot write %d documents: %w", len(docs), ctx.Err())
	}
}

// flusher sends everything queued as one INSERT, again and again; while an
// INSERT runs, the next one's rows queue up. At Close it flushes what is
// left.
func (s *Store) flusher() {
	defer s.wg.Done()
	for {
		select {
		case <-s.wkick:
		case <-s.stop:
			s.flush()
			s.asm.stop()
			return
		}
		s.flush()
	}
}

func (s *Store) flush() {
	for {
		s.wmu.Lock()
		reqs := s.wqueue
		s.wqueue = nil
		s.wmu.Unlock()
		if len(reqs) == 0 {
			return
		}
		n := 0
		for _, r := range reqs {
			n += len(r.rows)
		}
		rows := make([]byte, 0, n)
		for _, r := range reqs {
			rows = append(rows, r.rows...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		err := s.c.insert(ctx, s.layout.table("documents"), documentColumns, rows, nil)
		cancel()
		if err == nil {
			for _, r := range reqs {
				s.asm.add(r.traces, r.docs)
			}
		}
		for _, r := range reqs {
			r.done <- err
		}
	}
}

// decodeDoc turns a stored document back into a segment.Document whose Raw
// is the bytes received, decoded the way ingest did; should a later,
// stricter validation reject a document stored earlier, it is still
// returned, decoded without validation.
func decodeDoc(raw []byte) (*segment.Document, error) {
	if docs, err := segment.Parse(raw); err == nil && len(docs) == 1 {
		return docs[0], nil
	}
	d := new(segment.Document)
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, err
	}
	d.Raw = raw
	d.TraceID = strings.ToLower(d.TraceID)
	d.ID = strings.ToLower(d.ID)
	d.ParentID = strings.ToLower(d.ParentID)
	return d, nil
}
