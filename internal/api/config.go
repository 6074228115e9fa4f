package api

import (
	"context"
)

// Operations with fixed answers: Lightbox stores nothing encrypted, sends
// segments only to itself and has no insights.

type telemetryRecord struct {
	Timestamp               *epochSeconds
	SegmentsReceivedCount   int32
	SegmentsSentCount       int32
	SegmentsSpilloverCount  int32
	SegmentsRejectedCount   int32
	BackendConnectionErrors *struct {
		TimeoutCount           int32
		ConnectionRefusedCount int32
		HTTPCode4XXCount       int32
		HTTPCode5XXCount       int32
		UnknownHostCount       int32
		OtherCount             int32
	}
}

type putTelemetryRecordsInput struct {
	TelemetryRecords []telemetryRecord
	EC2InstanceId    string
	Hostname         string
	ResourceARN      string
}

// putTelemetryRecords accepts the real daemon's minutely report (quirk 25)
// and discards it.
func (a *API) putTelemetryRecords(_ context.Context, body []byte) (any, error) {
	var in putTelemetryRecordsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.TelemetryRecords == nil {
		return nil, invalidRequest("member TelemetryRecords is required")
	}
	for i, r := range in.TelemetryRecords {
		if r.Timestamp == nil {
			return nil, invalidRequest("TelemetryRecords[%d]: member Timestamp is required", i)
		}
	}
	return struct{}{}, nil
}

type encryptionConfig struct {
	Status string
	Type   string
}

func (a *API) getEncryptionConfig(context.Context, []byte) (any, error) {
	return struct{ EncryptionConfig encryptionConfig }{encryptionConfig{Status: "ACTIVE", Type: "NONE"}}, nil
}

func (a *API) getTraceSegmentDestination(context.Context, []byte) (any, error) {
	return struct{ Destination, Status string }{"XRay", "ACTIVE"}, nil
}

type getInsightSummariesInput struct {
	StartTime  *epochSeconds
	EndTime    *epochSeconds
	States     []string
	GroupARN   string
	GroupName  string
	MaxResults *int32
	NextToken  string
}

// getInsightSummaries validates the request and reports no insights:
// Lightbox does not detect anomalies.
func (a *API) getInsightSummaries(_ context.Context, body []byte) (any, error) {
	var in getInsightSummariesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.StartTime == nil:
		return nil, invalidRequest("member StartTime is required")
	case in.EndTime == nil:
		return nil, invalidRequest("member EndTime is required")
	case !(*in.StartTime < *in.EndTime):
		return nil, invalidRequest("StartTime %v must be before EndTime %v", float64(*in.StartTime), float64(*in.EndTime))
	case in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > 100):
		return nil, invalidRequest("MaxResults %d is not between 1 and 100", *in.MaxResults)
	case len(in.States) > 1:
		return nil, invalidRequest("States may hold at most one state")
	}
	for _, s := range in.States {
		if s != "ACTIVE" && s != "CLOSED" {
			return nil, invalidRequest("state %q is not ACTIVE or CLOSED", s)
		}
	}
	return struct{ InsightSummaries []struct{} }{[]struct{}{}}, nil
}
