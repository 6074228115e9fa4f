// Package xraydaemon is `lightbox daemon`: a drop-in replacement for the
// AWS X-Ray daemon. It reads the X-Ray daemon's flags and YAML file
// (config.go, flags.go), receives segments over UDP and forwards them with
// package forward (its Receiver and Forwarder) to AWS X-Ray or to a
// central Lightbox, and serves on its TCP address a signing reverse proxy
// for the SDKs' sampling calls (and any other API call), plus /healthz and
// /metrics.
//
// # Drop-in configuration
//
//	flag (X-Ray daemon)      YAML key (Version 1 or 2)   default
//	-b, --bind               Socket.UDPAddress           127.0.0.1:2000
//	-t, --bind-tcp           Socket.TCPAddress           127.0.0.1:2000
//	-c, --config             (the file itself)           /etc/amazon/xray/cfg.yaml, ./cfg.yaml
//	-n, --region             Region                      SDK chain, then EC2 metadata unless -o
//	-m, --buffer-memory      TotalBufferSizeMB           1 % of host memory, at least 3
//	    --concurrency        Concurrency                 8
//	-a, --resource-arn       ResourceARN                 (logged; no telemetry is sent)
//	-r, --role-arn           RoleARN                     (none; assumed with STS when set)
//	-o, --local-mode         LocalMode                   false
//	-l, --log-level          Logging.LogLevel            prod (= info)
//	-f, --log-file           Logging.LogPath             standard error
//	-p, --proxy-address      ProxyAddress                (none)
//	    --no-verify-ssl      NoVerifySSL                 false
//	-e, --endpoint           Endpoint                    https://xray.<region>.amazonaws.com
//	-v, --version
//
// Lightbox's own keys live in a Lightbox section, so that an X-Ray daemon
// file stays valid: Lightbox.NoSign (--no-sign), Lightbox.SpoolDir
// (--spool-dir) and Lightbox.SpoolSizeMB (--spool-size, default 1024).
// Profile, Logging.LogRotation and ProxyServer are accepted; the last two
// are ignored. Unknown keys are errors, as in the X-Ray daemon.
//
// Precedence: flag, then AWS_XRAY_DAEMON_ADDRESS (which the SDKs read
// too, so one variable keeps both sides in agreement), then the file,
// then the defaults.
//
// # Signing
//
// Requests to an AWS endpoint are signed with SigV4 using the standard
// credential chain. Requests to any other endpoint (a Lightbox) are signed
// when the chain yields credentials and sent unsigned otherwise;
// --no-sign forces unsigned. The proxy strips the caller's signature
// headers and signs each request itself (SDKs send sampling calls
// unsigned and chunked; the proxy resends them with a Content-Length).
//
// # Never silent
//
// /healthz (JSON, see Health) and /metrics (Prometheus) report the same
// counters: datagrams received, accepted and rejected by reason, and
// documents offered to the forwarder, sent, dropped by reason (buffer_full,
// spool_full, spool_error, upstream_rejected, shutdown), buffered and
// spooled. /healthz answers 200 with status "degraded" while uploads fail:
// a restart by an orchestrator would only lose the buffer. The daemon
// rejects locally what cannot be forwarded (bad header, broken JSON
// structure, missing or malformed id or trace_id); the upstream validates
// the rest, and what it refuses is counted as upstream_rejected. The
// kernel's drops for the socket (lightbox_udp_socket_drops_total) are in
// /metrics too.
package xraydaemon
