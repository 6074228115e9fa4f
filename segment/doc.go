// Package segment is the X-Ray wire model: segment documents as SDKs and the
// daemon send them, their identifiers, the trace header, the UDP datagram
// framing and the validation X-Ray applies before it accepts a document.
//
// It imports only the standard library so that every other layer (ingest,
// store engines, query, API) can share it.
package segment
