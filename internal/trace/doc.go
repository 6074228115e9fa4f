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
//
// Root causes (§5.5; AWS publishes only their shape, rootcause.go):
//
//   - A fault (error) root cause is an entity with the flag and nothing
//     flagged below it, found anywhere in the trace, not only under a
//     faulting root: a fault the service handled is still reported, with
//     ClientImpacting false. ClientImpacting is true when every entity from
//     the root segment down to the culprit has the flag.
//   - A failed call that became an inferred node (an AWS, remote or SQL
//     call without a callee segment) makes that node the root-cause
//     service; the call's exceptions are reported on both the call and the
//     node. The SDK's subsegments inside such a call are not root causes.
//   - Exceptions are reported in the order the SDK wrote them, and
//     references (a cause given as an exception ID, the Java SDK's entries
//     that only name their cause) are resolved to the exception they point
//     to and its chain of causes.
//   - Identical root causes (a retried call) count once; at most
//     MaxRootCauses of each kind are kept, the first in tree order.
//   - The response-time root cause follows the longest child down to a leaf,
//     going from a call into its callee's segment. Every complete trace has
//     one: the traces AWS shows without one look like fast ones, but its
//     threshold is not published.
package trace
