package otlp

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/lightbox-tracing/lightbox/segment"
)

// The translation writes documents with this encoder rather than
// encoding/json, whose reflection was a fifth of the ingest's CPU time. Its
// output is byte for byte what json.Marshal writes for an entity
// (TestEncodeMatchesEncodingJSON and FuzzTranslate hold it to that): the
// same field order, sorted map keys, number formats and escaping.

// appendEntity appends e's JSON.
func appendEntity(b []byte, e *entity) []byte {
	b = append(b, '{')
	first := true
	key := func(k string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
	}
	str := func(k, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		key(k)
		b = appendString(b, v)
	}
	flag := func(k string, v bool) {
		if v {
			key(k)
			b = append(b, "true"...)
		}
	}
	str("trace_id", e.TraceID, true)
	str("id", e.ID, false)
	str("parent_id", e.ParentID, true)
	str("name", e.Name, false)
	key("start_time")
	b = appendFloat(b, e.StartTime)
	key("end_time")
	b = appendFloat(b, e.EndTime)
	str("type", e.Type, true)
	str("namespace", e.Namespace, true)
	str("origin", e.Origin, true)
	str("user", e.User, true)
	if e.HTTP != nil {
		key("http")
		b = appendHTTP(b, e.HTTP)
	}
	if e.AWS != nil {
		key("aws")
		b = appendValue(b, e.AWS)
	}
	if e.Service != nil {
		key("service")
		b = appendValue(b, e.Service)
	}
	if e.SQL != nil {
		key("sql")
		b = appendValue(b, e.SQL)
	}
	flag("fault", e.Fault)
	flag("error", e.Error)
	flag("throttle", e.Throttle)
	if e.Cause != nil {
		key("cause")
		b = appendCause(b, e.Cause)
	}
	if e.Annotations != nil {
		key("annotations")
		b = appendValue(b, e.Annotations)
	}
	if e.Metadata != nil {
		key("metadata")
		b = append(b, '{')
		var arr [8]string
		for i, ns := range sortedKeys(arr[:0], e.Metadata) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, ns)
			b = append(b, ':')
			b = appendValue(b, e.Metadata[ns])
		}
		b = append(b, '}')
	}
	if len(e.Links) > 0 {
		key("links")
		b = append(b, '[')
		for i, l := range e.Links {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"trace_id":`...)
			b = appendString(b, l.TraceID)
			b = append(b, `,"id":`...)
			b = appendString(b, l.ID)
			if l.Attributes != nil {
				b = append(b, `,"attributes":`...)
				b = appendValue(b, l.Attributes)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(e.Subsegments) > 0 {
		key("subsegments")
		b = append(b, '[')
		for i, s := range e.Subsegments {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendEntity(b, s)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendKey starts member k of an object whose members begin at b[n:],
// with a comma before every member but the first.
func appendKey(b []byte, n int, k string) []byte {
	if len(b) > n {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

// appendStringField appends member k unless v is empty, as omitempty does.
func appendStringField(b []byte, n int, k, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(appendKey(b, n, k), v)
}

// appendTrueField appends member k: true when v holds, as omitempty does.
func appendTrueField(b []byte, n int, k string, v bool) []byte {
	if !v {
		return b
	}
	return append(appendKey(b, n, k), "true"...)
}

// appendIntField appends member k unless v is zero, as omitempty does.
func appendIntField(b []byte, n int, k string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(appendKey(b, n, k), v, 10)
}

func appendHTTP(b []byte, h *segment.HTTP) []byte {
	b = append(b, '{')
	n := len(b)
	if r := h.Request; r != nil {
		b = append(appendKey(b, n, "request"), '{')
		m := len(b)
		b = appendStringField(b, m, "method", r.Method)
		b = appendStringField(b, m, "url", r.URL)
		b = appendStringField(b, m, "user_agent", r.UserAgent)
		b = appendStringField(b, m, "client_ip", r.ClientIP)
		b = appendTrueField(b, m, "x_forwarded_for", r.XForwardedFor)
		b = appendTrueField(b, m, "traced", r.Traced)
		b = append(b, '}')
	}
	if r := h.Response; r != nil {
		b = append(appendKey(b, n, "response"), '{')
		m := len(b)
		b = appendIntField(b, m, "status", int64(r.Status))
		b = appendIntField(b, m, "content_length", int64(r.ContentLength))
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendCause(b []byte, c *segment.Cause) []byte {
	// The cause's string form and paths are never produced here; json
	// does the rare case.
	if c.ExceptionRef != "" || c.WorkingDirectory != "" || len(c.Paths) > 0 {
		out, _ := json.Marshal(c)
		return append(b, out...)
	}
	b = append(b, '{')
	if len(c.Exceptions) > 0 {
		b = append(b, `"exceptions":[`...)
		for i, x := range c.Exceptions {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			n := len(b)
			b = appendStringField(b, n, "id", x.ID)
			b = appendStringField(b, n, "message", x.Message)
			b = appendStringField(b, n, "type", x.Type)
			b = appendTrueField(b, n, "remote", x.Remote)
			b = appendStringField(b, n, "cause", x.Cause)
			if len(x.Stack) > 0 {
				b = append(appendKey(b, n, "stack"), '[')
				for j, f := range x.Stack {
					if j > 0 {
						b = append(b, ',')
					}
					b = append(b, '{')
					m := len(b)
					b = appendStringField(b, m, "path", f.Path)
					b = appendIntField(b, m, "line", int64(f.Line))
					b = appendStringField(b, m, "label", f.Label)
					b = append(b, '}')
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendValue appends the values attributes and blocks are made of.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			break
		}
		return appendFloat(b, v)
	case []byte:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v)
		return append(b, '"')
	case []any:
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, x)
		}
		return append(b, ']')
	case map[string]any:
		b = append(b, '{')
		var arr [32]string // most maps are small: no allocation for the keys
		for i, k := range sortedKeys(arr[:0], v) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendValue(b, v[k])
		}
		return append(b, '}')
	}
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

// sortedKeys appends m's keys to keys, sorted.
func sortedKeys[V any](keys []string, m map[string]V) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendFloat formats like encoding/json: shortest representation,
// exponent form only for very small or very large magnitudes.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does, HTML characters and the
// line and paragraph separators escaped, invalid UTF-8 replaced.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
