// Package daemonaddr reads AWS_XRAY_DAEMON_ADDRESS, the variable through
// which X-Ray SDKs and the X-Ray daemon are told where the daemon listens.
// Both `lightbox serve` and the lean daemon binary read it, so it depends
// on nothing but the standard library.
package daemonaddr

import (
	"fmt"
	"strings"
)

// Parse reads v as the SDKs and the X-Ray daemon do: "host:port" for both
// protocols, or "tcp:host:port udp:host:port" in either order.
func Parse(v string) (udp, tcp string, err error) {
	v = strings.TrimSpace(v)
	fields := strings.Fields(v)
	switch len(fields) {
	case 1:
		if strings.HasPrefix(fields[0], "tcp:") || strings.HasPrefix(fields[0], "udp:") {
			return "", "", fmt.Errorf("AWS_XRAY_DAEMON_ADDRESS %q names only one protocol; give both tcp: and udp:", v)
		}
		return fields[0], fields[0], nil
	case 2:
		for _, f := range fields {
			if a, ok := strings.CutPrefix(f, "tcp:"); ok {
				tcp = a
			} else if a, ok := strings.CutPrefix(f, "udp:"); ok {
				udp = a
			}
		}
		if udp == "" || tcp == "" {
			return "", "", fmt.Errorf("AWS_XRAY_DAEMON_ADDRESS %q must be \"tcp:host:port udp:host:port\"", v)
		}
		return udp, tcp, nil
	default:
		return "", "", fmt.Errorf("AWS_XRAY_DAEMON_ADDRESS %q is neither \"host:port\" nor \"tcp:host:port udp:host:port\"", v)
	}
}
