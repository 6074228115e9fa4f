package segment

import "strings"

// TraceHeader is the parsed X-Amzn-Trace-Id header.
type TraceHeader struct {
	Root    string // trace ID
	Parent  string // the caller's (sub)segment ID
	Sampled string // "1", "0", "?" or "" when absent
	// Extra holds every other key=value pair (Self, Lineage, custom keys) in
	// order; they must be passed on untouched.
	Extra []string
}

// ParseTraceHeader parses "Root=…;Parent=…;Sampled=…". Keys are matched
// case-insensitively; unknown pairs are kept in Extra.
func ParseTraceHeader(s string) TraceHeader {
	var h TraceHeader
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "root":
			h.Root = strings.TrimSpace(v)
		case "parent":
			h.Parent = strings.TrimSpace(v)
		case "sampled":
			h.Sampled = strings.TrimSpace(v)
		default:
			h.Extra = append(h.Extra, part)
		}
	}
	return h
}

// String renders the header in the order SDKs use.
func (h TraceHeader) String() string {
	var parts []string
	if h.Root != "" {
		parts = append(parts, "Root="+h.Root)
	}
	if h.Parent != "" {
		parts = append(parts, "Parent="+h.Parent)
	}
	if h.Sampled != "" {
		parts = append(parts, "Sampled="+h.Sampled)
	}
	parts = append(parts, h.Extra...)
	return strings.Join(parts, ";")
}
