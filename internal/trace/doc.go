// Package trace assembles the documents of one trace into a tree (independent
// subsegments under their parents, child segments under the subsegments that
// called them, inferred segments for uninstrumented downstream calls) and
// derives from it the trace summary and the trace's service-graph fragment.
//
// It works on whatever documents it is given, so it serves an engine that
// assembles at ingest (the embedded store) and one that assembles at query
// time (ClickHouse) alike. An assembled Trace is never modified afterwards:
// Summary and Segments may be called from several goroutines.
//
// Decisions the spec leaves open (xray-compat.md §5), taken here:
//
//   - A trace is partial when anything is in progress, an independent
//     subsegment's parent is missing, a traced:true call has no callee
//     segment, or a segment other than the root names a missing parent. The
//     root itself may name a missing parent (a caller outside tracing, or an
//     incoming header) without making the trace partial.
//   - A traced:true call whose callee has not reported still gets an inferred
//     node, so the call shows in the graph until the callee's segment
//     arrives and replaces it.
//   - A downstream call nested in another (the HTTP request under an AWS SDK
//     call) is part of the outer call, not a node of its own.
//   - AWS service names are spelled one way whatever the SDK (boto3's
//     "dynamodb" is "DynamoDB"), and a small table maps calls naming a
//     resource to its type (inferred.go).
//   - Inferred segment IDs look random but are derived from the trace and
//     subsegment IDs, so every read of a trace returns the same documents.
//   - When parent links form a cycle, the earliest segment's link is cut and
//     it becomes the root; subsegments that would close a cycle are orphans.
package trace
