package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// OutputSegment is one entry of BatchGetTraces' Trace.Segments: the ID and
// the JSON text of a segment document with its independent subsegments
// folded in, or of a server-generated inferred segment.
type OutputSegment struct {
	ID       string
	Document string
}

// Segments returns the documents BatchGetTraces answers with: each stored
// segment with the independent subsegments that belong to it folded into its
// "subsegments" arrays at the right depth, each orphan independent
// subsegment on its own (so that nothing is lost), and after each of them
// the inferred segments of the downstream calls it made.
//
// Documents are built from the bytes the SDK sent, so fields Lightbox does
// not model survive. It is on the read path only, so it decodes freely.
func (t *Trace) Segments() []OutputSegment {
	out := make([]OutputSegment, 0, len(t.segs)+len(t.orphans))
	var calls []call
	for _, e := range t.segs {
		out, calls = t.appendTree(out, calls[:0], e)
	}
	for _, e := range t.orphans {
		out, calls = t.appendTree(out, calls[:0], e)
	}
	return out
}

// call is a downstream call that becomes an inferred segment, with the
// decoded JSON of its subsegment.
type call struct {
	e *Entity
	m map[string]any
}

func (t *Trace) appendTree(out []OutputSegment, calls []call, e *Entity) ([]OutputSegment, []call) {
	raw := e.Doc.Raw
	if len(raw) == 0 {
		// Documents made by Lightbox itself (OTLP translation) carry no
		// original bytes; their model is all there is.
		raw, _ = json.Marshal(e.Doc)
	}
	if !rebuilt(e) {
		return append(out, OutputSegment{ID: e.Doc.ID, Document: compact(raw)}), calls
	}
	m, err := decode(raw)
	if err != nil {
		// segment.Parse accepted these bytes, so this cannot happen; still,
		// return the document as stored rather than nothing.
		return append(out, OutputSegment{ID: e.Doc.ID, Document: string(raw)}), calls
	}
	changed, calls := t.fold(e, m, calls)
	doc := compact(raw)
	if changed {
		doc = encode(m)
	}
	out = append(out, OutputSegment{ID: e.Doc.ID, Document: doc})
	for _, c := range calls {
		id := t.inferredID(c.e)
		out = append(out, OutputSegment{ID: id, Document: t.inferredDocument(id, e.Doc.TraceID, c.e, c.m)})
	}
	return out, calls
}

// rebuilt reports whether e's document must be decoded: something was
// attached or dropped under it, or it made a call that needs an inferred
// segment (copied from the decoded subsegment, unknown fields included).
func rebuilt(e *Entity) bool {
	if e.attachN > 0 || e.Inferred != nil || len(e.Children) != len(e.Doc.Subsegments) {
		return true
	}
	for _, c := range e.Children {
		if rebuilt(c) {
			return true
		}
	}
	return false
}

// compact returns the document as sent, without insignificant space.
func compact(raw []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

// fold rebuilds m's "subsegments" from e's children: the embedded ones it
// kept and the independent ones attached to it. It reports whether m now
// differs from the bytes it was decoded from, and collects inferred calls.
func (t *Trace) fold(e *Entity, m map[string]any, calls []call) (bool, []call) {
	if e.Inferred != nil {
		calls = append(calls, call{e, m})
	}
	embedded, _ := m["subsegments"].([]any)
	subs := make([]any, 0, len(e.Children))
	changed := false
	for _, c := range e.Children {
		var cm map[string]any
		if c.embIdx >= 0 {
			if c.embIdx < len(embedded) {
				cm, _ = embedded[c.embIdx].(map[string]any)
			}
		} else {
			raw := c.Doc.Raw
			if len(raw) == 0 {
				raw, _ = json.Marshal(c.Doc)
			}
			cm, _ = decode(raw)
			changed = true
		}
		if cm == nil {
			continue
		}
		var sub bool
		sub, calls = t.fold(c, cm, calls)
		changed = changed || sub
		subs = append(subs, cm)
	}
	if len(subs) != len(embedded) {
		changed = true // an embedded subsegment lost to a newer copy of itself
	}
	if changed {
		if len(subs) > 0 {
			m["subsegments"] = subs
		} else {
			delete(m, "subsegments")
		}
	}
	return changed, calls
}

// inferredDoc is the document of an inferred segment (spec §5.2). Times
// keep the text the SDK sent.
type inferredDoc struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	TraceID    string      `json:"trace_id"`
	ParentID   string      `json:"parent_id"`
	StartTime  json.Number `json:"start_time"`
	EndTime    json.Number `json:"end_time,omitempty"`
	InProgress bool        `json:"in_progress,omitempty"`
	Origin     string      `json:"origin"`
	Inferred   bool        `json:"inferred"`
	HTTP       any         `json:"http,omitempty"`
	AWS        any         `json:"aws,omitempty"`
	SQL        any         `json:"sql,omitempty"`
	Error      bool        `json:"error,omitempty"`
	Throttle   bool        `json:"throttle,omitempty"`
	Fault      bool        `json:"fault,omitempty"`
}

func (t *Trace) inferredDocument(id, traceID string, e *Entity, m map[string]any) string {
	d := e.Doc
	if t.ID != "" {
		traceID = t.ID
	}
	doc := inferredDoc{
		ID:         id,
		Name:       e.Inferred.Name,
		TraceID:    traceID,
		ParentID:   d.ID,
		StartTime:  number(m["start_time"], d.StartTime),
		InProgress: d.InProgress,
		Origin:     e.Inferred.Type,
		Inferred:   true,
		HTTP:       m["http"],
		AWS:        m["aws"],
		SQL:        m["sql"],
		Error:      d.Error,
		Throttle:   d.Throttle,
		Fault:      d.Fault,
	}
	if !d.InProgress {
		doc.EndTime = number(m["end_time"], d.EndTime)
	}
	return encode(doc)
}

// inferredID gives an inferred segment its ID. X-Ray makes a random one;
// Lightbox derives it from the trace and the subsegment, so it looks random
// but stays the same on every read of the trace.
func (t *Trace) inferredID(e *Entity) string {
	for salt := 0; ; salt++ {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s/%s/inferred/%d", t.ID, e.Doc.ID, salt)
		id := fmt.Sprintf("%016x", h.Sum64())
		if _, taken := t.index[id]; !taken {
			return id
		}
	}
}

func number(v any, f float64) json.Number {
	if n, ok := v.(json.Number); ok {
		return n
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
}

func decode(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("cannot decode segment document: %w", err)
	}
	return m, nil
}

// encode writes compact JSON without HTML escaping: the documents are JSON
// text inside a JSON response, not HTML.
func encode(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Values come from decoded JSON and plain fields; they always encode.
		panic(fmt.Sprintf("cannot encode segment document: %v", err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}
