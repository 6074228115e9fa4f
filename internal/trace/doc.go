// Package trace assembles the documents of one trace into a tree (independent
// subsegments under their parents, child segments under the subsegments that
// called them, inferred segments for uninstrumented downstream calls) and
// derives from it the trace summary and the trace's service-graph fragment.
//
// It works on whatever documents it is given, so it serves an engine that
// assembles at ingest (the embedded store) and one that assembles at query
// time (ClickHouse) alike.
package trace
