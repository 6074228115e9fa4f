package segment

import (
	"encoding/json"
	"strconv"
)

// Document is one segment or subsegment as X-Ray defines it. Only the fields
// Lightbox indexes or reasons about are decoded; the original bytes of a
// top-level document are kept in Raw so that nothing the SDK sent is lost.
type Document struct {
	TraceID      string                     `json:"trace_id,omitempty"`
	ID           string                     `json:"id"`
	ParentID     string                     `json:"parent_id,omitempty"`
	Name         string                     `json:"name"`
	StartTime    float64                    `json:"start_time"`
	EndTime      float64                    `json:"end_time,omitempty"`
	InProgress   bool                       `json:"in_progress,omitempty"`
	Type         string                     `json:"type,omitempty"` // "subsegment" when sent on its own
	Namespace    string                     `json:"namespace,omitempty"`
	Origin       string                     `json:"origin,omitempty"`
	User         string                     `json:"user,omitempty"`
	ResourceARN  string                     `json:"resource_arn,omitempty"`
	HTTP         *HTTP                      `json:"http,omitempty"`
	AWS          *AWS                       `json:"aws,omitempty"`
	SQL          map[string]json.RawMessage `json:"sql,omitempty"`
	Error        bool                       `json:"error,omitempty"`
	Throttle     bool                       `json:"throttle,omitempty"`
	Fault        bool                       `json:"fault,omitempty"`
	Cause        *Cause                     `json:"cause,omitempty"`
	Annotations  map[string]any             `json:"annotations,omitempty"`
	Subsegments  []*Document                `json:"subsegments,omitempty"`
	PrecursorIDs []string                   `json:"precursor_ids,omitempty"`
	Inferred     bool                       `json:"inferred,omitempty"`

	// Raw is the document exactly as received (top-level documents only).
	Raw []byte `json:"-"`
}

// IsIndependentSubsegment reports whether the document is a subsegment sent
// on its own, to be attached under ParentID when the trace is assembled.
func (d *Document) IsIndependentSubsegment() bool { return d.Type == "subsegment" }

// Duration is end − start in seconds, or 0 while in progress.
func (d *Document) Duration() float64 {
	if d.InProgress || d.EndTime < d.StartTime {
		return 0
	}
	return d.EndTime - d.StartTime
}

// Status returns the HTTP response status, or 0 when none was recorded.
func (d *Document) Status() int {
	if d.HTTP == nil || d.HTTP.Response == nil {
		return 0
	}
	return d.HTTP.Response.Status
}

// HTTP is the http block of a segment or subsegment.
type HTTP struct {
	Request  *HTTPRequest  `json:"request,omitempty"`
	Response *HTTPResponse `json:"response,omitempty"`
}

// HTTPRequest describes the request a segment served or a subsegment made.
type HTTPRequest struct {
	Method        string `json:"method,omitempty"`
	URL           string `json:"url,omitempty"`
	UserAgent     string `json:"user_agent,omitempty"`
	ClientIP      string `json:"client_ip,omitempty"`
	XForwardedFor bool   `json:"x_forwarded_for,omitempty"`
	Traced        bool   `json:"traced,omitempty"`
}

// HTTPResponse describes the response.
type HTTPResponse struct {
	Status        int       `json:"status,omitempty"`
	ContentLength FlexInt64 `json:"content_length,omitempty"`
}

// FlexInt64 accepts a JSON number or a numeric string (OTel exporters send
// content_length as a string).
type FlexInt64 int64

// UnmarshalJSON implements json.Unmarshaler.
func (f *FlexInt64) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*f = 0
			return nil
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		*f = FlexInt64(n)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	n, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*f = FlexInt64(n)
	return nil
}

// AWS is the aws block: the resource a segment runs on, or the AWS call a
// subsegment made.
type AWS struct {
	AccountID        string          `json:"account_id,omitempty"`
	EC2              *EC2            `json:"ec2,omitempty"`
	ECS              *ECS            `json:"ecs,omitempty"`
	EKS              json.RawMessage `json:"eks,omitempty"`
	ElasticBeanstalk json.RawMessage `json:"elastic_beanstalk,omitempty"`
	XRay             json.RawMessage `json:"xray,omitempty"`
	Operation        string          `json:"operation,omitempty"`
	Region           string          `json:"region,omitempty"`
	RequestID        string          `json:"request_id,omitempty"`
	QueueURL         string          `json:"queue_url,omitempty"`
	TableName        string          `json:"table_name,omitempty"`
	BucketName       string          `json:"bucket_name,omitempty"`
	FunctionName     string          `json:"function_name,omitempty"`
	TopicARN         string          `json:"topic_arn,omitempty"`
}

// EC2 describes the instance a segment ran on.
type EC2 struct {
	InstanceID       string `json:"instance_id,omitempty"`
	AvailabilityZone string `json:"availability_zone,omitempty"`
}

// ECS describes the container a segment ran in.
type ECS struct {
	Container        string `json:"container,omitempty"`
	AvailabilityZone string `json:"availability_zone,omitempty"`
}

// Cause is the cause block: either a full object or, in its string form, the
// ID of an exception recorded elsewhere in the trace (ExceptionRef).
type Cause struct {
	ExceptionRef     string      `json:"-"`
	WorkingDirectory string      `json:"working_directory,omitempty"`
	Paths            []string    `json:"paths,omitempty"`
	Exceptions       []Exception `json:"exceptions,omitempty"`
}

// UnmarshalJSON accepts both the object and the string form.
func (c *Cause) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &c.ExceptionRef)
	}
	type plain Cause
	return json.Unmarshal(b, (*plain)(c))
}

// MarshalJSON writes the form the cause was received in.
func (c Cause) MarshalJSON() ([]byte, error) {
	if c.ExceptionRef != "" {
		return json.Marshal(c.ExceptionRef)
	}
	type plain Cause
	return json.Marshal(plain(c))
}

// Exception is one entry of cause.exceptions.
type Exception struct {
	ID      string       `json:"id,omitempty"`
	Message string       `json:"message,omitempty"`
	Type    string       `json:"type,omitempty"`
	Remote  bool         `json:"remote,omitempty"`
	Cause   string       `json:"cause,omitempty"`
	Stack   []StackFrame `json:"stack,omitempty"`
}

// StackFrame is one frame of an exception's stack.
type StackFrame struct {
	Path  string `json:"path,omitempty"`
	Line  int    `json:"line,omitempty"`
	Label string `json:"label,omitempty"`
}
