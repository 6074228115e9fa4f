// Package otlp takes OpenTelemetry traces in: the OTLP/gRPC and OTLP/HTTP
// receivers, and the translation of spans into X-Ray segment documents that
// the store keeps like any other.
//
// The translation follows the conventions of the OpenTelemetry Collector's
// AWS X-Ray exporter (and so of ADOT), with three deliberate differences:
//   - Random W3C trace IDs are accepted: the OTel trace ID's first 8 hex
//     digits become the X-Ray epoch whatever they hold, and the store places
//     the trace by its start time.
//   - Spans that arrive in one request are nested: a client, producer or
//     internal span whose parent is in the same request becomes a
//     subsegment inside its parent's document, so a service's local tree
//     is one document (X-Ray's own SDKs send it that way, and the store's
//     cost is per document). Spans whose parent is elsewhere become
//     independent subsegments that the store attaches when it assembles
//     the trace.
//   - Annotation keys keep only [A-Za-z0-9_] (dots become "_"), so that
//     every annotation can be used in filter expressions.
package otlp
