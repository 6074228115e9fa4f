// Package query turns trace summaries into the answers of X-Ray's queries:
// the service graph (GetServiceGraph, GetTraceGraph), per-period statistics
// (GetTimeSeriesServiceStatistics, with entity selectors), and the
// evaluation of filter expressions (CompileFilter: GetTraceSummaries'
// FilterExpression and group filters).
//
// Everything here is a pure function of the summaries and graph fragments
// it is given: it neither reads a store nor knows about HTTP. The result
// types carry JSON tags with X-Ray's wire names so that the API layer can
// write them as they are.
package query
