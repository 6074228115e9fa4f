// Package query turns trace summaries into the answers of X-Ray's graph
// queries: the service graph (GetServiceGraph, GetTraceGraph) and per-period
// statistics (GetTimeSeriesServiceStatistics).
//
// Everything here is a pure function of the trace.Graph fragments it is
// given: it neither reads a store nor knows about HTTP. The result types
// carry JSON tags with X-Ray's wire names so that the API layer can write
// them as they are.
package query
