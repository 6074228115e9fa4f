package api

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// SummariesPerPage is how many trace summaries one GetTraceSummaries page
// holds. AWS does not publish its page size; 100 keeps a page's JSON in
// the tens of kilobytes while awscli's auto-pagination stays quick.
const SummariesPerPage = 100

type getTraceSummariesInput struct {
	StartTime        *epochSeconds
	EndTime          *epochSeconds
	TimeRangeType    string
	Sampling         bool
	SamplingStrategy *struct {
		Name  string
		Value *finite
	}
	FilterExpression string
	NextToken        string
}

type getTraceSummariesOutput struct {
	TraceSummaries       []traceSummaryOut
	ApproximateTime      float64
	TracesProcessedCount int64
	NextToken            string `json:",omitempty"`
}

// rangeTypes maps TimeRangeType to the store's orders.
var rangeTypes = map[string]store.RangeType{
	"":        store.ByTraceID, // X-Ray's default
	"TraceId": store.ByTraceID,
	"Event":   store.ByStartTime,
	"Service": store.ByEndTime,
}

// getTraceSummaries pages through the traces of a window, newest first.
//
// Sampling and SamplingStrategy are validated and then not applied: every
// matching trace is returned, which is a valid (complete) sample.
func (a *API) getTraceSummaries(ctx context.Context, body []byte) (any, error) {
	var in getTraceSummariesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	w, err := a.window(in.StartTime, in.EndTime)
	if err != nil {
		return nil, err
	}
	rt, ok := rangeTypes[in.TimeRangeType]
	if !ok {
		return nil, invalidRequest("TimeRangeType %q is not one of TraceId, Event, Service", in.TimeRangeType)
	}
	if s := in.SamplingStrategy; s != nil {
		if s.Name != "" && s.Name != "PartialScan" && s.Name != "FixedRate" {
			return nil, invalidRequest("SamplingStrategy.Name %q is not one of PartialScan, FixedRate", s.Name)
		}
		if s.Value != nil && (*s.Value < 0 || *s.Value > 1) {
			return nil, invalidRequest("SamplingStrategy.Value %v is not between 0 and 1", float64(*s.Value))
		}
	}
	q := store.TraceQuery{Start: w.Start, End: w.End, RangeType: rt}
	var processed atomic.Int64
	if !isBlank(in.FilterExpression) {
		e, err := parseExpression("FilterExpression", in.FilterExpression, MaxFilterExpression)
		if err != nil {
			return nil, err
		}
		f, err := a.compileFilter("FilterExpression", e)
		if err != nil {
			return nil, err
		}
		q.Filter = countingFilter(f, &processed)
	}
	if in.NextToken != "" {
		t, err := decodeToken(in.NextToken, "GetTraceSummaries")
		if err != nil {
			return nil, err
		}
		if t.RangeType != uint8(rt) {
			return nil, invalidRequest("NextToken was issued for another TimeRangeType")
		}
		q.After = &store.Position{Time: t.Time, TraceID: t.TraceID}
	}

	out := getTraceSummariesOutput{TraceSummaries: make([]traceSummaryOut, 0, SummariesPerPage)}
	var last store.Position
	more := false
	err = a.opts.Reader.FindTraces(ctx, q, func(s *trace.Summary, pos store.Position) bool {
		if len(out.TraceSummaries) == SummariesPerPage {
			more = true // one past the page: there is a next page
			return false
		}
		if q.Filter == nil {
			processed.Add(1)
		}
		ts := summaryOut(s)
		if rt == store.ByStartTime {
			ts.MatchedEventTime = ptr(pos.Time)
		}
		out.TraceSummaries = append(out.TraceSummaries, ts)
		last = pos
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("cannot find traces in [%v, %v): %w", w.Start, w.End, err)
	}
	// Traces processed include those the filter rejected, but not the one
	// past the page that showed there is a next page: the next page
	// processes it again.
	out.TracesProcessedCount = processed.Load()
	if more && q.Filter != nil {
		out.TracesProcessedCount--
	}
	// ApproximateTime is where this page starts in time. Pages run newest
	// first, so a page with a successor starts at its oldest trace and the
	// last page reaches down to StartTime.
	out.ApproximateTime = w.Start
	if more {
		out.ApproximateTime = last.Time
		out.NextToken = pageToken{Op: "GetTraceSummaries", Time: last.Time, TraceID: last.TraceID, RangeType: uint8(rt)}.encode()
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

// traceSummaryOut is X-Ray's TraceSummary.
type traceSummaryOut struct {
	ID                string                           `json:"Id"`
	StartTime         float64                          `json:"StartTime"`
	Duration          float64                          `json:"Duration"`
	ResponseTime      float64                          `json:"ResponseTime"`
	HasFault          bool                             `json:"HasFault"`
	HasError          bool                             `json:"HasError"`
	HasThrottle       bool                             `json:"HasThrottle"`
	IsPartial         bool                             `json:"IsPartial"`
	HTTP              *httpOut                         `json:"Http,omitempty"`
	Annotations       map[string][]valueWithServiceIDs `json:"Annotations,omitempty"`
	Users             []traceUser                      `json:"Users,omitempty"`
	ServiceIDs        []serviceID                      `json:"ServiceIds,omitempty"`
	EntryPoint        *serviceID                       `json:"EntryPoint,omitempty"`
	ResourceARNs      []resourceARN                    `json:"ResourceARNs,omitempty"`
	InstanceIDs       []instanceID                     `json:"InstanceIds,omitempty"`
	AvailabilityZones []availabilityZone               `json:"AvailabilityZones,omitempty"`
	// The root-cause lists are always present, empty as [], as AWS sends
	// them.
	FaultRootCauses        []faultRootCause        `json:"FaultRootCauses"`
	ErrorRootCauses        []faultRootCause        `json:"ErrorRootCauses"`
	ResponseTimeRootCauses []responseTimeRootCause `json:"ResponseTimeRootCauses"`
	Revision               int64                   `json:"Revision"`
	MatchedEventTime       *float64                `json:"MatchedEventTime,omitempty"`
}

type httpOut struct {
	HTTPURL    string `json:"HttpURL,omitempty"`
	HTTPStatus int    `json:"HttpStatus,omitempty"`
	HTTPMethod string `json:"HttpMethod,omitempty"`
	UserAgent  string `json:"UserAgent,omitempty"`
	ClientIP   string `json:"ClientIp,omitempty"`
}

// annotationValue is a union: exactly one member is set (quirk 12).
type annotationValue struct {
	NumberValue  *float64 `json:"NumberValue,omitempty"`
	BooleanValue *bool    `json:"BooleanValue,omitempty"`
	StringValue  *string  `json:"StringValue,omitempty"`
}

type valueWithServiceIDs struct {
	AnnotationValue annotationValue `json:"AnnotationValue"`
	ServiceIDs      []serviceID     `json:"ServiceIds,omitempty"`
}

type traceUser struct {
	UserName   string      `json:"UserName"`
	ServiceIDs []serviceID `json:"ServiceIds,omitempty"`
}

type serviceID struct {
	Name      string   `json:"Name"`
	Names     []string `json:"Names,omitempty"`
	AccountID string   `json:"AccountId,omitempty"`
	Type      string   `json:"Type,omitempty"`
}

type resourceARN struct {
	ARN string `json:"ARN"`
}

type instanceID struct {
	ID string `json:"Id"`
}

type availabilityZone struct {
	Name string `json:"Name"`
}

func summaryOut(s *trace.Summary) traceSummaryOut {
	out := traceSummaryOut{
		ID:           s.ID,
		StartTime:    s.StartTime,
		Duration:     s.Duration,
		ResponseTime: s.ResponseTime,
		HasFault:     s.HasFault,
		HasError:     s.HasError,
		HasThrottle:  s.HasThrottle,
		IsPartial:    s.IsPartial,
		Revision:     s.Revision,
		ServiceIDs:   serviceIDsOut(s.ServiceIDs),
	}
	if h := s.HTTP; h != (trace.HTTP{}) {
		out.HTTP = &httpOut{HTTPURL: h.URL, HTTPStatus: h.Status, HTTPMethod: h.Method, UserAgent: h.UserAgent, ClientIP: h.ClientIP}
	}
	if len(s.Annotations) > 0 {
		out.Annotations = make(map[string][]valueWithServiceIDs, len(s.Annotations))
		for k, vs := range s.Annotations {
			for _, v := range vs {
				av, ok := annotationOut(v)
				if !ok {
					continue
				}
				out.Annotations[k] = append(out.Annotations[k], valueWithServiceIDs{AnnotationValue: av, ServiceIDs: serviceIDsOut(v.ServiceIDs)})
			}
		}
	}
	for _, u := range s.Users {
		out.Users = append(out.Users, traceUser{UserName: u.Name, ServiceIDs: serviceIDsOut(u.ServiceIDs)})
	}
	if s.EntryPoint != nil {
		e := serviceIDOut(*s.EntryPoint)
		out.EntryPoint = &e
	}
	for _, arn := range s.ResourceARNs {
		out.ResourceARNs = append(out.ResourceARNs, resourceARN{ARN: arn})
	}
	for _, id := range s.InstanceIDs {
		out.InstanceIDs = append(out.InstanceIDs, instanceID{ID: id})
	}
	for _, az := range s.AvailabilityZones {
		out.AvailabilityZones = append(out.AvailabilityZones, availabilityZone{Name: az})
	}
	out.FaultRootCauses = faultRootCausesOut(s.FaultRootCauses)
	out.ErrorRootCauses = faultRootCausesOut(s.ErrorRootCauses)
	out.ResponseTimeRootCauses = responseTimeRootCausesOut(s.ResponseTimeRootCauses)
	return out
}

// annotationOut converts one stored value; false for a value that cannot
// be written (none set, or a number JSON cannot hold).
func annotationOut(v trace.AnnotationValue) (annotationValue, bool) {
	switch {
	case v.String != nil:
		return annotationValue{StringValue: v.String}, true
	case v.Bool != nil:
		return annotationValue{BooleanValue: v.Bool}, true
	case v.Number != nil && !math.IsNaN(*v.Number) && !math.IsInf(*v.Number, 0):
		return annotationValue{NumberValue: v.Number}, true
	}
	return annotationValue{}, false
}

func serviceIDOut(s trace.ServiceID) serviceID {
	return serviceID{Name: s.Name, Names: s.Names, AccountID: s.AccountID, Type: s.Type}
}

func serviceIDsOut(ids []trace.ServiceID) []serviceID {
	if len(ids) == 0 {
		return nil
	}
	out := make([]serviceID, len(ids))
	for i, s := range ids {
		out[i] = serviceIDOut(s)
	}
	return out
}

// X-Ray's root-cause shapes (TraceSummary.FaultRootCauses, ErrorRootCauses,
// ResponseTimeRootCauses). Faults and errors share one shape; response-time
// entities carry a Coverage instead of Exceptions. Booleans are always
// written, as AWS writes them ("Remote": false).

type faultRootCause struct {
	Services        []faultRootCauseService `json:"Services"`
	ClientImpacting bool                    `json:"ClientImpacting"`
}

type faultRootCauseService struct {
	Name       string                 `json:"Name"`
	Names      []string               `json:"Names,omitempty"`
	AccountID  string                 `json:"AccountId,omitempty"`
	Type       string                 `json:"Type,omitempty"`
	Inferred   bool                   `json:"Inferred"`
	EntityPath []faultRootCauseEntity `json:"EntityPath"`
}

type faultRootCauseEntity struct {
	Name       string               `json:"Name"`
	Exceptions []rootCauseException `json:"Exceptions"`
	Remote     bool                 `json:"Remote"`
}

type rootCauseException struct {
	Name    string `json:"Name,omitempty"`
	Message string `json:"Message,omitempty"`
}

type responseTimeRootCause struct {
	Services        []responseTimeRootCauseService `json:"Services"`
	ClientImpacting bool                           `json:"ClientImpacting"`
}

type responseTimeRootCauseService struct {
	Name       string                        `json:"Name"`
	Names      []string                      `json:"Names,omitempty"`
	AccountID  string                        `json:"AccountId,omitempty"`
	Type       string                        `json:"Type,omitempty"`
	Inferred   bool                          `json:"Inferred"`
	EntityPath []responseTimeRootCauseEntity `json:"EntityPath"`
}

type responseTimeRootCauseEntity struct {
	Name     string  `json:"Name"`
	Coverage float64 `json:"Coverage"`
	Remote   bool    `json:"Remote"`
}

func faultRootCausesOut(rcs []trace.RootCause) []faultRootCause {
	out := make([]faultRootCause, len(rcs))
	for i, rc := range rcs {
		svcs := make([]faultRootCauseService, len(rc.Services))
		ents := make([]faultRootCauseEntity, entityCount(rc)) // one array, a window per service
		for j, s := range rc.Services {
			path := ents[:len(s.EntityPath):len(s.EntityPath)]
			ents = ents[len(s.EntityPath):]
			for k, e := range s.EntityPath {
				exc := make([]rootCauseException, len(e.Exceptions))
				for x, ex := range e.Exceptions {
					exc[x] = rootCauseException{Name: ex.Name, Message: ex.Message}
				}
				path[k] = faultRootCauseEntity{Name: e.Name, Exceptions: exc, Remote: e.Remote}
			}
			svcs[j] = faultRootCauseService{Name: s.Name, Names: s.Names, AccountID: s.AccountID, Type: s.Type, Inferred: s.Inferred, EntityPath: path}
		}
		out[i] = faultRootCause{Services: svcs, ClientImpacting: rc.ClientImpacting}
	}
	return out
}

func entityCount(rc trace.RootCause) int {
	n := 0
	for _, s := range rc.Services {
		n += len(s.EntityPath)
	}
	return n
}

func responseTimeRootCausesOut(rcs []trace.RootCause) []responseTimeRootCause {
	out := make([]responseTimeRootCause, len(rcs))
	for i, rc := range rcs {
		svcs := make([]responseTimeRootCauseService, len(rc.Services))
		ents := make([]responseTimeRootCauseEntity, entityCount(rc))
		for j, s := range rc.Services {
			path := ents[:len(s.EntityPath):len(s.EntityPath)]
			ents = ents[len(s.EntityPath):]
			for k, e := range s.EntityPath {
				cov := e.Coverage
				if math.IsNaN(cov) || math.IsInf(cov, 0) {
					cov = 0 // JSON cannot hold it; only a corrupt summary has one
				}
				path[k] = responseTimeRootCauseEntity{Name: e.Name, Coverage: cov, Remote: e.Remote}
			}
			svcs[j] = responseTimeRootCauseService{Name: s.Name, Names: s.Names, AccountID: s.AccountID, Type: s.Type, Inferred: s.Inferred, EntityPath: path}
		}
		out[i] = responseTimeRootCause{Services: svcs, ClientImpacting: rc.ClientImpacting}
	}
	return out
}
