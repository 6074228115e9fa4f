// Package forward is `lightbox daemon`'s relay: a Receiver reads segment
// documents from UDP (the X-Ray daemon protocol) and a Forwarder sends
// them upstream with PutTraceSegments, to AWS X-Ray or to a central
// Lightbox. The Receiver checks each document only as far as forwarding
// needs (scanDocuments) and offers it to the Forwarder on the reading
// goroutine; the Forwarder is also a store.Writer, for other front ends.
// The request body is written directly (put.go), not through the SDK's
// X-Ray client: that and the light check keep the daemon's CPU per
// document low (docs/benchmarks.md).
//
// Documents wait in one bounded in-memory buffer (Options.BufferBytes) in
// batches of at most MaxBatch (50, PutTraceSegments' limit), flushed when
// full or FlushInterval (1 s) after the batch's first document arrived;
// Concurrency uploads run at once.
//
// What "durable" means here: store.Writer promises that documents survive
// a crash once WriteSegments returns nil. The forwarder makes a weaker
// promise, the one the X-Ray daemon makes: nil means the documents are
// accounted for. Each one is then either in the buffer, sent, or counted
// as dropped with a reason; none disappears silently, but a crash of the
// process loses what is still buffered. WriteSegments never blocks on the
// upstream: when the buffer is full, the documents that do not fit are
// dropped (reason "buffer_full") and the call still returns nil, because
// the listener retrying them could only delay the socket.
//
// Uploads that fail transiently (throttling, 5xx, network errors) are
// retried with capped exponential backoff for as long as the process runs,
// so an upstream outage costs nothing until the buffer is full, and then
// costs only the newest documents, each counted. Documents the upstream
// refuses (4xx, or UnprocessedTraceSegments with a non-transient code) are
// dropped with reason "upstream_rejected", because retrying them cannot
// succeed.
package forward
