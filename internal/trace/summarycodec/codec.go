// Package summarycodec is the binary encoding of trace summaries that the
// storage engines keep: the embedded engine as Pebble values, the
// ClickHouse engine in its summaries table. FindTraces decodes one summary
// per result and service graphs read thousands, so decoding speed matters:
// encoding/json took ~40 µs for a 10-document trace, this ~10× less.
//
// Integers are varints, floats 8 bytes big endian, booleans bit sets.
// Strings are interned per summary: 0 then a length-prefixed literal the
// first time, i+1 for the i-th distinct string after that (service names
// repeat in every node, annotation and user). Lists are a count and their
// elements; an absent pointer is count 0. internal/store/local/FORMAT.md
// has the field order.
//
// TestRoundTrip fills every field of trace.Summary by reflection, so a
// field added there and not here fails the tests.
package summarycodec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// Format says which version of the encoding a stored summary is in; an
// engine records it beside the bytes (the embedded engine as a summary
// value's first byte, with the same numbers). Each version is the next one
// cut short: root causes come after the graph, and the graph's HTTP lists
// after them, so that summaries written before those existed still decode.
type Format byte

const (
	// FormatBinary has no root causes and no graph HTTP lists.
	FormatBinary Format = 2
	// FormatRoots adds the root causes.
	FormatRoots Format = 3
	// FormatHTTP adds the graph's HTTP lists (trace.Node.HTTP,
	// trace.Edge.HTTP), which filter expressions read for http.* inside
	// service() and edge() blocks. Append writes it.
	FormatHTTP Format = 4
	// FormatCompact is FormatHTTP with compact floats (compact.go), for
	// stores that compress whole columns of summaries: AppendCompact
	// writes it.
	FormatCompact Format = 5
)

// Current is the format Append writes.
const Current = FormatHTTP

type encoder struct {
	b       []byte
	strings map[string]int
	floats  *floatTable // FormatCompact only
}

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) byte(v byte)      { e.b = append(e.b, v) }
func (e *encoder) float(f float64) {
	if e.floats != nil {
		e.compactFloat(f)
		return
	}
	e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(f))
}

func (e *encoder) string(s string) {
	if i, ok := e.strings[s]; ok {
		e.uvarint(uint64(i) + 1)
		return
	}
	e.strings[s] = len(e.strings)
	e.uvarint(0)
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.string(s)
	}
}

func bits(bs ...bool) byte {
	var b byte
	for i, v := range bs {
		if v {
			b |= 1 << i
		}
	}
	return b
}

func (e *encoder) serviceID(s *trace.ServiceID) {
	e.string(s.Name)
	e.strs(s.Names)
	e.string(s.AccountID)
	e.string(s.Type)
}

func (e *encoder) serviceIDs(ss []trace.ServiceID) {
	e.uvarint(uint64(len(ss)))
	for i := range ss {
		e.serviceID(&ss[i])
	}
}

func (e *encoder) observations(os []trace.Observation) {
	e.uvarint(uint64(len(os)))
	for _, o := range os {
		e.float(o.Start)
		e.float(o.End)
		e.byte(byte(o.Outcome))
		e.float(o.Duration)
	}
}

// Append appends the encoding of s in format Current to b. Equal summaries
// encode to equal bytes (annotation keys are sorted).
func Append(b []byte, s *trace.Summary) []byte {
	e := encoder{b: b, strings: make(map[string]int)}
	return e.summary(s)
}

// AppendCompact appends the encoding of s in FormatCompact to b.
func AppendCompact(b []byte, s *trace.Summary) []byte {
	e := encoder{b: b, strings: make(map[string]int), floats: newFloatTable()}
	return e.summary(s)
}

func (e *encoder) summary(s *trace.Summary) []byte {
	e.string(s.ID)
	e.varint(s.Revision)
	e.float(s.StartTime)
	e.float(s.EndTime)
	e.float(s.Duration)
	e.float(s.ResponseTime)
	e.float(s.UpdatedAt)
	e.byte(bits(s.HasFault, s.HasError, s.HasThrottle, s.IsPartial))
	e.string(s.HTTP.URL)
	e.varint(int64(s.HTTP.Status))
	e.string(s.HTTP.Method)
	e.string(s.HTTP.UserAgent)
	e.string(s.HTTP.ClientIP)

	keys := make([]string, 0, len(s.Annotations))
	for k := range s.Annotations {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic bytes for equal summaries
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.string(k)
		vs := s.Annotations[k]
		e.uvarint(uint64(len(vs)))
		for _, v := range vs {
			switch {
			case v.String != nil:
				e.byte(1)
				e.string(*v.String)
			case v.Number != nil:
				e.byte(2)
				e.float(*v.Number)
			case v.Bool != nil:
				e.byte(3)
				e.byte(bits(*v.Bool))
			default:
				e.byte(0)
			}
			e.serviceIDs(v.ServiceIDs)
		}
	}
	e.uvarint(uint64(len(s.Users)))
	for _, u := range s.Users {
		e.string(u.Name)
		e.serviceIDs(u.ServiceIDs)
	}
	e.serviceIDs(s.ServiceIDs)
	if s.EntryPoint == nil {
		e.uvarint(0)
	} else {
		e.uvarint(1)
		e.serviceID(s.EntryPoint)
	}
	e.strs(s.ResourceARNs)
	e.strs(s.InstanceIDs)
	e.strs(s.AvailabilityZones)
	e.varint(int64(s.SegmentCount))

	e.uvarint(uint64(len(s.Graph.Nodes)))
	for i := range s.Graph.Nodes {
		n := &s.Graph.Nodes[i]
		e.serviceID(&n.ServiceID)
		e.byte(bits(n.Root, n.Inferred, n.Client))
		e.observations(n.Obs)
		e.uvarint(uint64(len(n.Edges)))
		for _, ed := range n.Edges {
			e.varint(int64(ed.Target))
			e.observations(ed.Obs)
		}
	}
	e.rootCauses(s.FaultRootCauses)
	e.rootCauses(s.ErrorRootCauses)
	e.rootCauses(s.ResponseTimeRootCauses)
	// The graph's HTTP lists, in node order, each node's list followed by
	// its edges' lists: counts known from the graph above, so no framing.
	for i := range s.Graph.Nodes {
		n := &s.Graph.Nodes[i]
		e.httpList(n.HTTP)
		for j := range n.Edges {
			e.httpList(n.Edges[j].HTTP)
		}
	}
	return e.b
}

func (e *encoder) httpList(hs []trace.HTTP) {
	e.uvarint(uint64(len(hs)))
	for i := range hs {
		h := &hs[i]
		e.string(h.URL)
		e.varint(int64(h.Status))
		e.string(h.Method)
		e.string(h.UserAgent)
		e.string(h.ClientIP)
	}
}

// rootCauses writes a root-cause list. An entity's flags say whether a
// coverage follows: fault and error root causes have none, so their
// entities do without the 8 bytes.
func (e *encoder) rootCauses(rcs []trace.RootCause) {
	e.uvarint(uint64(len(rcs)))
	for i := range rcs {
		rc := &rcs[i]
		e.byte(bits(rc.ClientImpacting))
		e.uvarint(uint64(len(rc.Services)))
		for j := range rc.Services {
			svc := &rc.Services[j]
			e.serviceID(&svc.ServiceID)
			e.byte(bits(svc.Inferred))
			e.uvarint(uint64(len(svc.EntityPath)))
			for k := range svc.EntityPath {
				ent := &svc.EntityPath[k]
				e.string(ent.Name)
				e.byte(bits(ent.Remote, ent.Coverage != 0))
				if ent.Coverage != 0 {
					e.float(ent.Coverage)
				}
				e.uvarint(uint64(len(ent.Exceptions)))
				for _, x := range ent.Exceptions {
					e.string(x.Name)
					e.string(x.Message)
				}
			}
		}
	}
}

var errShortSummary = errors.New("stored summary is truncated or corrupt")

type decoder struct {
	b       []byte
	strings []string
	err     error
	ents    []trace.RootCauseEntity // arena the root causes' entity paths are cut from
	floats  *floatList              // FormatCompact only
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errShortSummary
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) float() float64 {
	if d.floats != nil {
		return d.compactFloat()
	}
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := math.Float64frombits(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

// count reads a list length, refusing one longer than the bytes left could
// hold (each element takes at least one byte), so corrupt input cannot make
// it allocate wildly.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	ref := d.uvarint()
	if ref > 0 {
		if ref > uint64(len(d.strings)) {
			d.fail()
			return ""
		}
		return d.strings[ref-1]
	}
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	d.strings = append(d.strings, s)
	return s
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.string()
	}
	return ss
}

func (d *decoder) serviceID(s *trace.ServiceID) {
	s.Name = d.string()
	s.Names = d.strs()
	s.AccountID = d.string()
	s.Type = d.string()
}

func (d *decoder) serviceIDs() []trace.ServiceID {
	n := d.count()
	if n == 0 {
		return nil
	}
	ss := make([]trace.ServiceID, n)
	for i := range ss {
		d.serviceID(&ss[i])
	}
	return ss
}

func (d *decoder) observations() []trace.Observation {
	n := d.count()
	if n == 0 {
		return nil
	}
	os := make([]trace.Observation, n)
	for i := range os {
		os[i] = trace.Observation{Start: d.float(), End: d.float(), Outcome: trace.Outcome(d.byte()), Duration: d.float()}
	}
	return os
}

func (d *decoder) httpList() []trace.HTTP {
	n := d.count()
	if n == 0 {
		return nil
	}
	hs := make([]trace.HTTP, n)
	for i := range hs {
		hs[i] = trace.HTTP{URL: d.string(), Status: int(d.varint()), Method: d.string(), UserAgent: d.string(), ClientIP: d.string()}
	}
	return hs
}

func (d *decoder) rootCauses() []trace.RootCause {
	n := d.count()
	if n == 0 {
		return nil
	}
	rcs := make([]trace.RootCause, n)
	for i := range rcs {
		rc := &rcs[i]
		rc.ClientImpacting = d.byte()&1 != 0
		if m := d.count(); m > 0 {
			rc.Services = make([]trace.RootCauseService, m)
		}
		for j := range rc.Services {
			svc := &rc.Services[j]
			d.serviceID(&svc.ServiceID)
			svc.Inferred = d.byte()&1 != 0
			if m := d.count(); m > 0 {
				svc.EntityPath = d.entities(m)
			}
			for k := range svc.EntityPath {
				ent := &svc.EntityPath[k]
				ent.Name = d.string()
				f := d.byte()
				ent.Remote = f&1 != 0
				if f&2 != 0 {
					ent.Coverage = d.float()
				}
				if m := d.count(); m > 0 {
					ent.Exceptions = make([]trace.RootCauseException, m)
					for x := range ent.Exceptions {
						ent.Exceptions[x] = trace.RootCauseException{Name: d.string(), Message: d.string()}
					}
				}
			}
		}
	}
	return rcs
}

// entities returns m entities cut from an arena, so that the entity paths
// of a summary's root causes take one allocation, not one per service.
func (d *decoder) entities(m int) []trace.RootCauseEntity {
	if cap(d.ents)-len(d.ents) < m {
		d.ents = make([]trace.RootCauseEntity, 0, max(m, 16))
	}
	n := len(d.ents)
	d.ents = d.ents[:n+m]
	return d.ents[n : n+m : n+m]
}

// Decode decodes a summary encoded in format: FormatHTTP as Append writes
// it, or one of the shorter earlier forms (FormatRoots without the graph's
// HTTP lists, FormatBinary without root causes either). Any input, however
// corrupt, gives a summary or an error, never a panic.
func Decode(b []byte, format Format) (*trace.Summary, error) {
	d := decoder{b: b, strings: make([]string, 0, 32)}
	switch format {
	case FormatBinary, FormatRoots, FormatHTTP:
	case FormatCompact:
		d.floats = new(floatList)
	default:
		return nil, fmt.Errorf("summary format %d is unknown", format)
	}
	s := new(trace.Summary)
	s.ID = d.string()
	s.Revision = d.varint()
	s.StartTime = d.float()
	s.EndTime = d.float()
	s.Duration = d.float()
	s.ResponseTime = d.float()
	s.UpdatedAt = d.float()
	f := d.byte()
	s.HasFault, s.HasError, s.HasThrottle, s.IsPartial = f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0
	s.HTTP.URL = d.string()
	s.HTTP.Status = int(d.varint())
	s.HTTP.Method = d.string()
	s.HTTP.UserAgent = d.string()
	s.HTTP.ClientIP = d.string()

	if n := d.count(); n > 0 {
		s.Annotations = make(map[string][]trace.AnnotationValue, n)
		for range n {
			k := d.string()
			vs := make([]trace.AnnotationValue, d.count())
			for i := range vs {
				switch d.byte() {
				case 1:
					v := d.string()
					vs[i].String = &v
				case 2:
					v := d.float()
					vs[i].Number = &v
				case 3:
					v := d.byte() != 0
					vs[i].Bool = &v
				}
				vs[i].ServiceIDs = d.serviceIDs()
			}
			s.Annotations[k] = vs
		}
	}
	if n := d.count(); n > 0 {
		s.Users = make([]trace.User, n)
		for i := range s.Users {
			s.Users[i].Name = d.string()
			s.Users[i].ServiceIDs = d.serviceIDs()
		}
	}
	s.ServiceIDs = d.serviceIDs()
	if d.uvarint() == 1 {
		s.EntryPoint = new(trace.ServiceID)
		d.serviceID(s.EntryPoint)
	}
	s.ResourceARNs = d.strs()
	s.InstanceIDs = d.strs()
	s.AvailabilityZones = d.strs()
	s.SegmentCount = int(d.varint())

	if n := d.count(); n > 0 {
		s.Graph.Nodes = make([]trace.Node, n)
		for i := range s.Graph.Nodes {
			nd := &s.Graph.Nodes[i]
			d.serviceID(&nd.ServiceID)
			f := d.byte()
			nd.Root, nd.Inferred, nd.Client = f&1 != 0, f&2 != 0, f&4 != 0
			nd.Obs = d.observations()
			if m := d.count(); m > 0 {
				nd.Edges = make([]trace.Edge, m)
				for j := range nd.Edges {
					nd.Edges[j].Target = int(d.varint())
					nd.Edges[j].Obs = d.observations()
				}
			}
		}
	}
	if format >= FormatRoots {
		s.FaultRootCauses = d.rootCauses()
		s.ErrorRootCauses = d.rootCauses()
		s.ResponseTimeRootCauses = d.rootCauses()
	}
	if format >= FormatHTTP {
		for i := range s.Graph.Nodes {
			nd := &s.Graph.Nodes[i]
			nd.HTTP = d.httpList()
			for j := range nd.Edges {
				nd.Edges[j].HTTP = d.httpList()
			}
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errors.New("stored summary has trailing bytes")
	}
	return s, nil
}
