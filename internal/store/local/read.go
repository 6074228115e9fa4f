package local

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

// GetTraces returns the stored documents of each requested trace that
// exists, in the order requested. IDs that are not trace IDs are unknown.
func (s *Store) GetTraces(ctx context.Context, ids []string) ([]store.TraceDocuments, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	out := make([]store.TraceDocuments, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("cannot get traces: %w", err)
		}
		tid, err := segment.ParseTraceID(strings.ToLower(id))
		if err != nil {
			continue
		}
		p, ok, err := s.locate(tid)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		docs, err := s.loadDocs(s.db, p, tid)
		if err != nil {
			return nil, err
		}
		if len(docs) > 0 {
			out = append(out, store.TraceDocuments{ID: tid.String(), Documents: docs})
		}
	}
	return out, nil
}

// loadDocs reads and decodes every stored document of a trace.
func (s *Store) loadDocs(r pebble.Reader, p uint32, tid segment.TraceID) ([]*segment.Document, error) {
	lo := appendTraceKey(nil, p, kindDoc, tid)
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, fmt.Errorf("cannot read trace %s: %w", tid, err)
	}
	defer it.Close()
	var docs []*segment.Document
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, fmt.Errorf("cannot read trace %s: %w", tid, err)
		}
		d, err := decodeDoc(v)
		if err != nil {
			return nil, fmt.Errorf("cannot decode a document of trace %s: %w", tid, err)
		}
		docs = append(docs, d)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("cannot read trace %s: %w", tid, err)
	}
	return docs, nil
}

// decodeDoc turns a stored value back into a document whose Raw is the
// bytes received. It decodes the way ingest did (segment.Parse); should a
// later, stricter validation reject a document stored earlier, it is still
// returned, decoded without validation.
func decodeDoc(v []byte) (*segment.Document, error) {
	if len(v) == 0 || v[0] != docFormatRaw {
		return nil, fmt.Errorf("stored document has unknown format %v", v[:min(len(v), 1)])
	}
	raw := append([]byte(nil), v[1:]...) // the iterator's buffer is reused
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
