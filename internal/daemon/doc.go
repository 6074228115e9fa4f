// Package daemon is the X-Ray daemon side of Lightbox: the UDP listener SDKs
// send segment documents to.
//
// A datagram travels reader → parse worker → batcher → store.Writer:
//
//   - readers only copy datagrams off the socket and hand them on, so a slow
//     parse or a slow disk never keeps the socket from being drained; the
//     kernel receive buffer is enlarged so that scheduling hiccups are
//     absorbed instead of overflowing it (the X-Ray daemon loses segments
//     from ~10,000/s for exactly that reason);
//   - workers split and validate each datagram with package segment;
//   - batchers group accepted documents and commit each group with a
//     single WriteSegments call (which fsyncs), at the latest FlushInterval
//     after the first of them was read (group commit). Traces are divided
//     among Writers batchers, so that one batch's fsync overlaps another's
//     work while the documents of one trace are written in order.
//
// Everything between the socket and the store is bounded: when the store
// stalls and the queue is full, datagrams are dropped with reason
// "queue_full" instead of growing memory. A bad datagram is counted by
// reason and logged (rate-limited); it never affects other datagrams.
package daemon
