package otlp

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// attrs reads span or resource attributes by their old and new semantic
// convention names: the first key present wins.
type attrs struct{ m pcommon.Map }

func (a attrs) value(keys ...string) (pcommon.Value, bool) {
	for _, k := range keys {
		if v, ok := a.m.Get(k); ok {
			return v, true
		}
	}
	return pcommon.Value{}, false
}

// str returns the first present key's value as text ("" when none).
func (a attrs) str(keys ...string) string {
	v, ok := a.value(keys...)
	if !ok {
		return ""
	}
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return v.AsString()
}

// int returns the first present key's value as an integer; text holding a
// number counts (some instrumentations send status codes as strings).
func (a attrs) int(keys ...string) (int64, bool) {
	v, ok := a.value(keys...)
	if !ok {
		return 0, false
	}
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		return int64(v.Double()), true
	case pcommon.ValueTypeStr:
		n, err := strconv.ParseInt(v.Str(), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// has reports whether any of the keys is present.
func (a attrs) has(keys ...string) bool {
	_, ok := a.value(keys...)
	return ok
}
