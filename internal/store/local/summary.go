package local

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/internal/trace/summarycodec"
)

// summaryFormatHTTP is the format byte of the summaries written now: the
// binary encoding of package summarycodec in its format 4, whose numbers
// the older format bytes (keys.go) share.
const summaryFormatHTTP = byte(summarycodec.FormatHTTP)

// encodeSummary is the stored form of a summary: a format byte, then the
// binary encoding of package summarycodec.
func encodeSummary(s *trace.Summary) []byte {
	return summarycodec.Append([]byte{summaryFormatHTTP}, s)
}

// decodeSummary reads every stored form: the binary one written now, the
// binary ones written before summaries had the graph's HTTP lists or root
// causes (which then have none until late data re-summarizes the trace), or
// the JSON one the first development versions wrote.
func decodeSummary(v []byte) (*trace.Summary, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("stored summary is empty")
	}
	switch v[0] {
	case summaryFormatHTTP, summaryFormatRoots, summaryFormatBinary:
		return summarycodec.Decode(v[1:], summarycodec.Format(v[0]))
	case summaryFormatJSON:
		s := new(trace.Summary)
		if err := json.Unmarshal(v[1:], s); err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("stored summary has unknown format %d", v[0])
}

// sameContent reports whether two summaries differ only in Revision and
// UpdatedAt, i.e. whether late data changed nothing a reader sees.
func sameContent(a, b *trace.Summary) bool {
	ac, bc := *a, *b
	ac.Revision, ac.UpdatedAt = 0, 0
	bc.Revision, bc.UpdatedAt = 0, 0
	return bytes.Equal(summarycodec.Append(nil, &ac), summarycodec.Append(nil, &bc))
}
