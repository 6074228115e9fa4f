package query

import "github.com/lightbox-tracing/lightbox/internal/trace"

// Service is a node of a service graph, as X-Ray's Service shape.
// Timestamps are Unix seconds; they marshal as JSON numbers, which is what
// X-Ray clients require.
type Service struct {
	ReferenceID int      `json:"ReferenceId"`
	Name        string   `json:"Name"`
	Names       []string `json:"Names"`
	Root        bool     `json:"Root,omitempty"`
	AccountID   string   `json:"AccountId,omitempty"`
	Type        string   `json:"Type,omitempty"`
	State       string   `json:"State"`
	StartTime   float64  `json:"StartTime"`
	EndTime     float64  `json:"EndTime"`
	Edges       []Edge   `json:"Edges"`
	// SummaryStatistics is nil for client nodes: X-Ray gives them none.
	SummaryStatistics     *Statistics      `json:"SummaryStatistics,omitempty"`
	DurationHistogram     []HistogramEntry `json:"DurationHistogram,omitempty"`
	ResponseTimeHistogram []HistogramEntry `json:"ResponseTimeHistogram,omitempty"`
}

// Node states X-Ray reports.
const (
	StateActive  = "active"  // the node sent segments
	StateUnknown = "unknown" // client and inferred nodes
)

// TypeClient is the Type of the client node in front of a root service.
const TypeClient = trace.TypeClient

// Edge is a call from a Service to the Service with ReferenceID.
type Edge struct {
	ReferenceID           int              `json:"ReferenceId"`
	StartTime             float64          `json:"StartTime"`
	EndTime               float64          `json:"EndTime"`
	SummaryStatistics     Statistics       `json:"SummaryStatistics"`
	ResponseTimeHistogram []HistogramEntry `json:"ResponseTimeHistogram"`
	Aliases               []Alias          `json:"Aliases,omitempty"`
}

// Alias is another name under which callers know an edge's target.
type Alias struct {
	Name  string   `json:"Name"`
	Names []string `json:"Names,omitempty"`
	Type  string   `json:"Type,omitempty"`
}

// Statistics is X-Ray's ServiceStatistics and EdgeStatistics (they have the
// same members). Counts are integers so that they marshal as integral JSON
// numbers, which the Go SDK insists on.
type Statistics struct {
	OkCount           int64           `json:"OkCount"`
	ErrorStatistics   ErrorStatistics `json:"ErrorStatistics"`
	FaultStatistics   FaultStatistics `json:"FaultStatistics"`
	TotalCount        int64           `json:"TotalCount"`
	TotalResponseTime float64         `json:"TotalResponseTime"`
}

// ErrorStatistics counts 4xx outcomes.
type ErrorStatistics struct {
	ThrottleCount int64 `json:"ThrottleCount"`
	OtherCount    int64 `json:"OtherCount"`
	TotalCount    int64 `json:"TotalCount"`
}

// FaultStatistics counts 5xx outcomes.
type FaultStatistics struct {
	OtherCount int64 `json:"OtherCount"`
	TotalCount int64 `json:"TotalCount"`
}

// HistogramEntry is one bucket of a response-time or duration histogram:
// Count observations took Value seconds (rounded to the millisecond).
type HistogramEntry struct {
	Value float64 `json:"Value"`
	Count int64   `json:"Count"`
}

// TimeSeriesStatistics is one period of GetTimeSeriesServiceStatistics.
type TimeSeriesStatistics struct {
	Timestamp                float64          `json:"Timestamp"`
	EdgeSummaryStatistics    *Statistics      `json:"EdgeSummaryStatistics,omitempty"`
	ServiceSummaryStatistics *Statistics      `json:"ServiceSummaryStatistics,omitempty"`
	ResponseTimeHistogram    []HistogramEntry `json:"ResponseTimeHistogram"`
}

// Window is a time range in Unix seconds, Start inclusive, End exclusive.
// The zero Window means "no limit".
type Window struct {
	Start, End float64
}

// IsZero reports whether w places no limit.
func (w Window) IsZero() bool { return w.Start == 0 && w.End == 0 }

// overlaps reports whether [start, end] meets the window.
func (w Window) overlaps(start, end float64) bool {
	return w.IsZero() || (end >= w.Start && start < w.End)
}

// contains reports whether t falls in the window.
func (w Window) contains(t float64) bool {
	return w.IsZero() || (t >= w.Start && t < w.End)
}
