// Package xraydaemon is `lightbox daemon`: a drop-in replacement for the
// AWS X-Ray daemon. It reads the X-Ray daemon's flags and YAML file
// (config.go), receives segments over UDP with package daemon's listener,
// forwards them with package forward to AWS X-Ray or to a central Lightbox,
// and serves on its TCP address a signing reverse proxy for the SDKs'
// sampling calls (and any other API call), plus /healthz and /metrics.
package xraydaemon
