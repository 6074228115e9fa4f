package trace

// Summary is what Lightbox keeps about an assembled trace: the X-Ray
// TraceSummary fields plus the trace's contribution to service graphs and
// time series (Graph), so that queries over many traces merge summaries
// instead of re-reading documents. It is recomputed, with Revision+1,
// whenever late data changes the trace.
type Summary struct {
	ID       string `json:"id"`
	Revision int64  `json:"rev"`

	StartTime    float64 `json:"start"` // earliest start_time of any segment
	EndTime      float64 `json:"end"`   // latest end_time of any segment (StartTime while nothing ended)
	Duration     float64 `json:"dur"`   // EndTime − StartTime
	ResponseTime float64 `json:"rt"`    // root segment end − start
	UpdatedAt    float64 `json:"upd"`   // Unix seconds at which this revision was computed

	HasFault    bool `json:"fault,omitempty"`
	HasError    bool `json:"error,omitempty"`
	HasThrottle bool `json:"throttle,omitempty"`
	IsPartial   bool `json:"partial,omitempty"`

	HTTP              HTTP                         `json:"http"`
	Annotations       map[string][]AnnotationValue `json:"ann,omitempty"`
	Users             []User                       `json:"users,omitempty"`
	ServiceIDs        []ServiceID                  `json:"svc,omitempty"`
	EntryPoint        *ServiceID                   `json:"entry,omitempty"`
	ResourceARNs      []string                     `json:"arns,omitempty"`
	InstanceIDs       []string                     `json:"inst,omitempty"`
	AvailabilityZones []string                     `json:"azs,omitempty"`

	// Root causes (spec §5.5, rootcause.go): where the trace's faults and
	// errors started, at most MaxRootCauses each, and the critical path of
	// its response time (at most one).
	FaultRootCauses        []RootCause `json:"faultrc,omitempty"`
	ErrorRootCauses        []RootCause `json:"errorrc,omitempty"`
	ResponseTimeRootCauses []RootCause `json:"rtrc,omitempty"`

	// SegmentCount is how many stored documents (segments and independent
	// subsegments) the trace is made of.
	SegmentCount int `json:"n"`

	Graph Graph `json:"graph"`
}

// HTTP is the root segment's request and response.
type HTTP struct {
	URL       string `json:"url,omitempty"`
	Status    int    `json:"status,omitempty"`
	Method    string `json:"method,omitempty"`
	UserAgent string `json:"ua,omitempty"`
	ClientIP  string `json:"ip,omitempty"`
}

// AnnotationValue is one distinct value of an annotation key and the
// services that set it. Exactly one of String, Number, Bool is non-nil.
type AnnotationValue struct {
	String     *string     `json:"s,omitempty"`
	Number     *float64    `json:"n,omitempty"`
	Bool       *bool       `json:"b,omitempty"`
	ServiceIDs []ServiceID `json:"svc,omitempty"`
}

// User is one distinct user and the services that recorded it.
type User struct {
	Name       string      `json:"name"`
	ServiceIDs []ServiceID `json:"svc,omitempty"`
}

// ServiceID names a node of the service graph.
type ServiceID struct {
	Name      string   `json:"name"`
	Names     []string `json:"names,omitempty"`
	AccountID string   `json:"acct,omitempty"`
	Type      string   `json:"type,omitempty"`
}

// RootCause is one path from an entry point of the trace down to the
// entity where a fault, an error or the response time originates.
type RootCause struct {
	// Services are the services the path crosses, from the entry point to
	// the culprit, which is last.
	Services []RootCauseService `json:"svcs"`
	// ClientImpacting is true when the client of the trace saw the
	// problem: for faults and errors, every entity from the root segment
	// down to the culprit carries the flag; for response time, always (the
	// path starts at the root segment).
	ClientImpacting bool `json:"client,omitempty"`
}

// RootCauseService is one service on a root-cause path and the entities
// of that service the path goes through.
type RootCauseService struct {
	ServiceID
	Inferred bool `json:"inferred,omitempty"` // a node inferred from a caller's subsegment
	// EntityPath runs from the service's segment down to the subsegment
	// that called the next service, or to the culprit in the last service.
	EntityPath []RootCauseEntity `json:"path"`
}

// RootCauseEntity is a segment or subsegment on a root-cause path.
type RootCauseEntity struct {
	Name string `json:"name"`
	// Exceptions are the entity's recorded exceptions, references to
	// exceptions recorded elsewhere in the trace resolved (fault and error
	// root causes only).
	Exceptions []RootCauseException `json:"exc,omitempty"`
	// Remote is true for a call to another service (an aws, remote or SQL
	// subsegment, or the inferred node standing for one) and for an entity
	// whose exception is marked remote.
	Remote bool `json:"remote,omitempty"`
	// Coverage is the entity's duration over the root segment's response
	// time, 0 to 1 in steps of 0.001 (response-time root causes only).
	Coverage float64 `json:"cov,omitempty"`
}

// RootCauseException is an exception's type (Name) and message.
type RootCauseException struct {
	Name    string `json:"name,omitempty"`
	Message string `json:"msg,omitempty"`
}

// Key identifies the node: nodes with equal keys across traces are one node.
func (s ServiceID) Key() string { return s.Name + "\x00" + s.Type + "\x00" + s.AccountID }

// Graph is one trace's nodes and edges with every observation that feeds
// their statistics. Merging the Graphs of many traces gives GetServiceGraph;
// bucketing observations by time gives GetTimeSeriesServiceStatistics.
type Graph struct {
	Nodes []Node `json:"nodes,omitempty"`
}

// Node is a service (from its own segments), an inferred node (from a
// caller's subsegment), or the client node in front of the root service.
type Node struct {
	ServiceID
	Root     bool `json:"root,omitempty"`     // entry point of this trace
	Inferred bool `json:"inferred,omitempty"` // derived from a subsegment
	Client   bool `json:"client,omitempty"`   // the client node (Type "client")
	// Observations of the node's own segments (empty for client nodes).
	Obs   []Observation `json:"obs,omitempty"`
	Edges []Edge        `json:"edges,omitempty"`
	// HTTP holds the distinct requests and responses of the node's own
	// segments (inferred nodes: of the calls they stand for), so that
	// filter expressions can test http.* inside service() { } blocks.
	HTTP []HTTP `json:"http,omitempty"`
}

// Edge is a call from the node to another node of the same Graph.
type Edge struct {
	Target int           `json:"to"` // index into Graph.Nodes
	Obs    []Observation `json:"obs,omitempty"`
	// HTTP holds the distinct requests and responses of the calls, as the
	// caller recorded them (for the client edge: the root segment's).
	HTTP []HTTP `json:"http,omitempty"`
}

// Outcome classifies one observation as X-Ray does: fault beats throttle
// beats error; without flags the HTTP status decides.
type Outcome uint8

const (
	OK Outcome = iota
	ErrorOther
	Throttle
	Fault
)

// Observation is one segment (for a node) or one calling subsegment (for an
// edge).
type Observation struct {
	Start    float64 `json:"s"`
	End      float64 `json:"e"`
	Outcome  Outcome `json:"o,omitempty"`
	Duration float64 `json:"d,omitempty"` // duration of the whole trace, for DurationHistogram
}

// ResponseTime is End − Start.
func (o Observation) ResponseTime() float64 { return o.End - o.Start }
