package otlp

import "github.com/lightbox-tracing/lightbox/segment"

// entity is a segment or subsegment as it is written in JSON: everything
// X-Ray's segment document holds, including the parts (metadata, service,
// the full aws block) that segment.Document does not decode but keeps in
// its Raw bytes.
type entity struct {
	TraceID     string                    `json:"trace_id,omitempty"`
	ID          string                    `json:"id"`
	ParentID    string                    `json:"parent_id,omitempty"`
	Name        string                    `json:"name"`
	StartTime   float64                   `json:"start_time"`
	EndTime     float64                   `json:"end_time"`
	Type        string                    `json:"type,omitempty"`
	Namespace   string                    `json:"namespace,omitempty"`
	Origin      string                    `json:"origin,omitempty"`
	User        string                    `json:"user,omitempty"`
	HTTP        *segment.HTTP             `json:"http,omitempty"`
	AWS         map[string]any            `json:"aws,omitempty"`
	Service     map[string]any            `json:"service,omitempty"`
	SQL         map[string]any            `json:"sql,omitempty"`
	Fault       bool                      `json:"fault,omitempty"`
	Error       bool                      `json:"error,omitempty"`
	Throttle    bool                      `json:"throttle,omitempty"`
	Cause       *segment.Cause            `json:"cause,omitempty"`
	Annotations map[string]any            `json:"annotations,omitempty"`
	Metadata    map[string]map[string]any `json:"metadata,omitempty"`
	Links       []link                    `json:"links,omitempty"`
	Subsegments []*entity                 `json:"subsegments,omitempty"`

	spans   int    // spans this entity stands for (0 or 1)
	traceID string // the X-Ray trace ID, kept when TraceID is cleared for nesting
}

// count returns how many spans e stands for, subsegments included.
func (e *entity) count() int {
	n := e.spans
	for _, s := range e.Subsegments {
		n += s.count()
	}
	return n
}

// link is a span link, as X-Ray's segment documents carry them.
type link struct {
	TraceID    string         `json:"trace_id"`
	ID         string         `json:"id"`
	Attributes map[string]any `json:"attributes,omitempty"`
}
