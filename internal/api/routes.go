package api

import (
	"context"
)

// handlerFunc is one operation: it gets the raw request body and returns
// the output shape (marshalled as JSON) or an error (*Error for the
// caller's mistakes).
type handlerFunc func(ctx context.Context, body []byte) (any, error)

type operation struct {
	name string
	fn   handlerFunc
}

// routeTable maps each operation's path (quirk 1: many paths are not the
// operation's name) to its handler. The table is the aws-sdk-go-v2 xray
// client's, v1.36.25.
func (a *API) routeTable() map[string]operation {
	implemented := map[string]operation{
		"/TraceSegments":               {"PutTraceSegments", a.putTraceSegments},
		"/Traces":                      {"BatchGetTraces", a.batchGetTraces},
		"/TraceSummaries":              {"GetTraceSummaries", a.getTraceSummaries},
		"/ServiceGraph":                {"GetServiceGraph", a.getServiceGraph},
		"/TraceGraph":                  {"GetTraceGraph", a.getTraceGraph},
		"/TimeSeriesServiceStatistics": {"GetTimeSeriesServiceStatistics", a.getTimeSeriesServiceStatistics},
		"/GetSamplingRules":            {"GetSamplingRules", a.getSamplingRules},
		"/SamplingTargets":             {"GetSamplingTargets", a.getSamplingTargets},
		"/TelemetryRecords":            {"PutTelemetryRecords", a.putTelemetryRecords},
		"/EncryptionConfig":            {"GetEncryptionConfig", a.getEncryptionConfig},
		"/GetTraceSegmentDestination":  {"GetTraceSegmentDestination", a.getTraceSegmentDestination},
		"/Groups":                      {"GetGroups", a.getGroups},
		"/CreateSamplingRule":          {"CreateSamplingRule", a.createSamplingRule},
		"/UpdateSamplingRule":          {"UpdateSamplingRule", a.updateSamplingRule},
		"/DeleteSamplingRule":          {"DeleteSamplingRule", a.deleteSamplingRule},
		"/SamplingStatisticSummaries":  {"GetSamplingStatisticSummaries", a.getSamplingStatisticSummaries},
		"/CreateGroup":                 {"CreateGroup", a.createGroup},
		"/GetGroup":                    {"GetGroup", a.getGroup},
		"/UpdateGroup":                 {"UpdateGroup", a.updateGroup},
		"/DeleteGroup":                 {"DeleteGroup", a.deleteGroup},
		"/TagResource":                 {"TagResource", a.tagResource},
		"/UntagResource":               {"UntagResource", a.untagResource},
		"/ListTagsForResource":         {"ListTagsForResource", a.listTagsForResource},
		"/InsightSummaries":            {"GetInsightSummaries", a.getInsightSummaries},
	}
	// The rest of X-Ray's operations fail loudly.
	notYet := map[string]string{
		"/PutEncryptionConfig":           "PutEncryptionConfig",
		"/Insight":                       "GetInsight",
		"/InsightEvents":                 "GetInsightEvents",
		"/InsightImpactGraph":            "GetInsightImpactGraph",
		"/UpdateTraceSegmentDestination": "UpdateTraceSegmentDestination",
		"/PutResourcePolicy":             "PutResourcePolicy",
		"/ListResourcePolicies":          "ListResourcePolicies",
		"/DeleteResourcePolicy":          "DeleteResourcePolicy",
		"/GetIndexingRules":              "GetIndexingRules",
		"/UpdateIndexingRule":            "UpdateIndexingRule",
		"/StartTraceRetrieval":           "StartTraceRetrieval",
		"/ListRetrievedTraces":           "ListRetrievedTraces",
		"/GetRetrievedTracesGraph":       "GetRetrievedTracesGraph",
		"/CancelTraceRetrieval":          "CancelTraceRetrieval",
	}
	for path, name := range notYet {
		implemented[path] = operation{name, unsupported(name)}
	}
	return implemented
}

func unsupported(name string) handlerFunc {
	return func(context.Context, []byte) (any, error) {
		return nil, notSupportedYet("operation %s is not supported yet", name)
	}
}
