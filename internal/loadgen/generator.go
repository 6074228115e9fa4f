package loadgen

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lightbox-tracing/lightbox/segment"
)

// variantsPerOutcome is how many timing variants each service pair and
// outcome gets, so that latencies vary without encoding at send time.
const variantsPerOutcome = 8

// generator produces the datagrams of one run in send order and remembers
// which documents it produced, for verification.
type generator struct {
	rng       *rand.Rand
	templates [numOutcomes][]*traceTemplate
	// cumulative thresholds for picking an outcome with one draw
	cum [numOutcomes]float64

	cur  *traceTemplate
	pos  int // index in cur.docs of the next document
	vals traceValues
	own  []segment.SegmentID // entity IDs of the current trace

	traces []traceRecord
	ids    []segment.SegmentID // document IDs of all traces, in send order
}

// traceRecord is one sent trace: its ID and its documents' IDs, which are
// ids[first : first+n].
type traceRecord struct {
	id    segment.TraceID
	first uint32
	n     uint8
	found uint8 // documents found in the store so far
}

func newGenerator(shape TraceShape, seed uint64) (*generator, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	tpl, err := buildTemplates(shape, variantsPerOutcome, rng)
	if err != nil {
		return nil, err
	}
	g := &generator{rng: rng, templates: tpl}
	g.cum[outcomeError] = shape.ErrorRate
	g.cum[outcomeFault] = g.cum[outcomeError] + shape.FaultRate
	g.cum[outcomeThrottle] = g.cum[outcomeFault] + shape.ThrottleRate
	if g.cum[outcomeThrottle] > 1 {
		return nil, fmt.Errorf("cannot generate traces: error, fault and throttle rates add up to %.2f, more than 1", g.cum[outcomeThrottle])
	}
	return g, nil
}

func (g *generator) pickOutcome() outcome {
	x := g.rng.Float64()
	for _, o := range []outcome{outcomeError, outcomeFault, outcomeThrottle} {
		if x < g.cum[o] {
			return o
		}
	}
	return outcomeOK
}

// startTrace draws the next trace: a template, a trace ID whose epoch is
// now, fresh entity IDs and a latency factor.
func (g *generator) startTrace(now time.Time) {
	variants := g.templates[g.pickOutcome()]
	g.cur, g.pos = variants[g.rng.IntN(len(variants))], 0

	var tid segment.TraceID
	binary.BigEndian.PutUint32(tid[:4], uint32(now.Unix()))
	binary.BigEndian.PutUint64(tid[4:12], g.rng.Uint64())
	binary.BigEndian.PutUint32(tid[12:], g.rng.Uint32())
	g.vals.setTraceID(tid)

	g.own = g.own[:0]
	if cap(g.vals.ids) < g.cur.ids {
		g.vals.ids = make([][idLen]byte, g.cur.ids)
	}
	g.vals.ids = g.vals.ids[:g.cur.ids]
	for i := range g.cur.ids {
		var sid segment.SegmentID
		binary.BigEndian.PutUint64(sid[:], max(g.rng.Uint64(), 1)) // never the all-zero no-op ID
		g.own = append(g.own, sid)
		g.vals.setID(i, sid)
	}
	g.vals.start = float64(now.UnixMicro()) / 1e6
	g.vals.scale = 0.6 + 0.9*g.rng.Float64()
	g.traces = append(g.traces, traceRecord{id: tid, first: uint32(len(g.ids))})
}

// next appends the next datagram (header line and document) to dst.
func (g *generator) next(dst []byte, now time.Time) []byte {
	if g.cur == nil || g.pos == len(g.cur.docs) {
		g.startTrace(now)
	}
	t := g.cur.docs[g.pos]
	g.pos++
	dst = append(dst, segment.Header...)
	dst = append(dst, '\n')
	dst = t.render(dst, &g.vals)
	g.ids = append(g.ids, g.own[t.self])
	g.traces[len(g.traces)-1].n++
	return dst
}
