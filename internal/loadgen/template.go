package loadgen

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/lightbox-tracing/lightbox/segment"
)

// A template is a document encoded once, with fixed-width slots where each
// send writes the trace ID, the entity IDs and the times of one trace.
//
// Its source is JSON text with three kinds of marker:
//
//	{{trace}}   the trace ID (35 characters)
//	{{id N}}    the trace's N-th entity ID (16 hex digits)
//	{{t S}}     the trace's start time plus S seconds, scaled by the
//	            trace's latency factor (17 characters: %.6f of Unix time)
type template struct {
	buf   []byte
	slots []slot
	self  int // N of the document's own {{id N}}
}

type slotKind uint8

const (
	slotTrace slotKind = iota
	slotID
	slotTime
)

type slot struct {
	kind slotKind
	off  int
	id   int     // slotID
	at   float64 // slotTime: seconds after the trace start
}

const (
	traceIDLen = 35
	idLen      = 16
	timeLen    = 17
)

// compile parses a template source. self is the ID index of the
// document's own id, recorded so that the generator knows which IDs to
// expect in the store.
func compile(src string, self int) (*template, error) {
	t := &template{self: self}
	rest := src
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.buf = append(t.buf, rest...)
			return t, nil
		}
		t.buf = append(t.buf, rest[:i]...)
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("cannot compile template: unclosed {{ at %q", rest[i:min(len(rest), i+20)])
		}
		marker := strings.Fields(rest[i+2 : i+j])
		rest = rest[i+j+2:]
		s := slot{off: len(t.buf)}
		width := 0
		switch {
		case len(marker) == 1 && marker[0] == "trace":
			s.kind, width = slotTrace, traceIDLen
		case len(marker) == 2 && marker[0] == "id":
			n, err := strconv.Atoi(marker[1])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("cannot compile template: bad marker {{%s}}", strings.Join(marker, " "))
			}
			s.kind, s.id, width = slotID, n, idLen
		case len(marker) == 2 && marker[0] == "t":
			at, err := strconv.ParseFloat(marker[1], 64)
			if err != nil {
				return nil, fmt.Errorf("cannot compile template: bad marker {{%s}}", strings.Join(marker, " "))
			}
			s.kind, s.at, width = slotTime, at, timeLen
		default:
			return nil, fmt.Errorf("cannot compile template: unknown marker {{%s}}", strings.Join(marker, " "))
		}
		t.slots = append(t.slots, s)
		t.buf = append(t.buf, strings.Repeat("0", width)...)
	}
}

// maxID is the highest ID index the template uses.
func (t *template) maxID() int {
	m := t.self
	for _, s := range t.slots {
		if s.kind == slotID {
			m = max(m, s.id)
		}
	}
	return m
}

// traceValues are what one trace writes into its templates' slots.
type traceValues struct {
	trace [traceIDLen]byte
	ids   [][idLen]byte
	start float64 // Unix seconds
	scale float64 // latency factor applied to every time offset
}

func (v *traceValues) setTraceID(id segment.TraceID) {
	copy(v.trace[:], id.String())
}

func (v *traceValues) setID(i int, id segment.SegmentID) {
	hex.Encode(v.ids[i][:], id[:])
}

// render appends the template with v's values to dst.
func (t *template) render(dst []byte, v *traceValues) []byte {
	base := len(dst)
	dst = append(dst, t.buf...)
	out := dst[base:]
	var num [32]byte
	for _, s := range t.slots {
		switch s.kind {
		case slotTrace:
			copy(out[s.off:], v.trace[:])
		case slotID:
			copy(out[s.off:], v.ids[s.id][:])
		case slotTime:
			// %.6f of a time between 2001 and 2286 is exactly 17 bytes.
			b := strconv.AppendFloat(num[:0], v.start+s.at*v.scale, 'f', 6, 64)
			copy(out[s.off:s.off+timeLen], b)
		}
	}
	return dst
}
