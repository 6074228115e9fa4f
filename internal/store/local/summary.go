package local

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// encodeSummary is the stored form of a summary: a format byte, then JSON.
// JSON keeps the summary readable with pebble's tools and tolerant of new
// fields; the format byte leaves room for a faster encoding.
func encodeSummary(s *trace.Summary) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(summaryFormatJSON)
	if err := json.NewEncoder(&buf).Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeSummary(v []byte) (*trace.Summary, error) {
	if len(v) == 0 || v[0] != summaryFormatJSON {
		return nil, fmt.Errorf("stored summary has unknown format %v", v[:min(len(v), 1)])
	}
	s := new(trace.Summary)
	if err := json.Unmarshal(v[1:], s); err != nil {
		return nil, err
	}
	return s, nil
}

// sameContent reports whether two encoded summaries differ only in Revision
// and UpdatedAt, i.e. whether late data changed nothing a reader sees.
func sameContent(a, b *trace.Summary) bool {
	ac, bc := *a, *b
	ac.Revision, ac.UpdatedAt = 0, 0
	bc.Revision, bc.UpdatedAt = 0, 0
	ea, err1 := json.Marshal(&ac)
	eb, err2 := json.Marshal(&bc)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}
