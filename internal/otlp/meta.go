package otlp

import (
	"encoding/json"
	"math"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Attributes with a meaning for X-Ray (the X-Ray exporter's names).
const (
	// annotationsAttr lists, on a span, the keys of its attributes that
	// become annotations.
	annotationsAttr = "aws.xray.annotations"
	// metadataPrefix marks an attribute whose JSON object value is a
	// metadata namespace ("aws.xray.metadata.<namespace>").
	metadataPrefix = "aws.xray.metadata."
	// defaultNamespace holds every other attribute.
	defaultNamespace = "default"
	// resourcePrefix prefixes resource attributes in segment metadata.
	resourcePrefix = "otel.resource."
	enduserID      = "enduser.id"
)

// consumed are the span attributes that become structured fields (http,
// aws, sql, user); they are not repeated in metadata unless indexed.
var consumed = func() map[string]bool {
	m := map[string]bool{enduserID: true, annotationsAttr: true}
	for _, keys := range [][]string{httpKeys, awsKeys, sqlKeys} {
		for _, k := range keys {
			m[k] = true
		}
	}
	return m
}()

// annotateSpan splits a span's attributes into annotations and metadata
// and sets the user. Annotations are the keys the span lists in
// aws.xray.annotations, plus Options.IndexedAttributes (every scalar
// attribute with IndexAllAttributes); the rest is metadata.
func (t *Translator) annotateSpan(e *entity, m pcommon.Map, res *resourceInfo, withResource bool) {
	var listed map[string]bool
	if v, ok := m.Get(annotationsAttr); ok && v.Type() == pcommon.ValueTypeSlice {
		s := v.Slice()
		listed = make(map[string]bool, s.Len())
		for i := range s.Len() {
			if s.At(i).Type() == pcommon.ValueTypeStr {
				listed[s.At(i).Str()] = true
			}
		}
	}
	indexed := func(k string) bool { return t.indexAll || t.indexed[k] || listed[k] }
	var def map[string]any
	setMeta := func(k string, v any) {
		if def == nil {
			def = make(map[string]any, m.Len())
		}
		def[k] = v
	}
	for k, v := range m.All() {
		if k == enduserID {
			e.User = v.AsString()
		}
		if indexed(k) {
			if av, ok := annotationValue(v); ok {
				if e.Annotations == nil {
					e.Annotations = map[string]any{}
				}
				e.Annotations[annotationKey(k)] = av
				continue
			}
		}
		if consumed[k] {
			continue
		}
		if ns, ok := strings.CutPrefix(k, metadataPrefix); ok && ns != "" && v.Type() == pcommon.ValueTypeStr {
			var obj map[string]any
			if err := json.Unmarshal([]byte(v.Str()), &obj); err == nil {
				if ns == defaultNamespace {
					for ok, ov := range obj {
						setMeta(ok, ov)
					}
				} else {
					if e.Metadata == nil {
						e.Metadata = map[string]map[string]any{}
					}
					e.Metadata[ns] = obj
				}
				continue
			}
		}
		setMeta(k, rawValue(v))
	}
	if withResource {
		for _, r := range res.meta {
			if r.annotatable && indexed(r.key) {
				if e.Annotations == nil {
					e.Annotations = map[string]any{}
				}
				e.Annotations[annotationKey(r.key)] = r.annotation
				continue
			}
			setMeta(r.key, r.value)
		}
	}
	if def != nil {
		if e.Metadata == nil {
			e.Metadata = map[string]map[string]any{}
		}
		e.Metadata[defaultNamespace] = def
	}
}

// annotationValue returns the value of a scalar attribute; X-Ray
// annotations hold strings, numbers and booleans only.
func annotationValue(v pcommon.Value) (any, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str(), true
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		f := v.Double()
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	case pcommon.ValueTypeBool:
		return v.Bool(), true
	}
	return nil, false
}

// annotationKey keeps [A-Za-z0-9_] and replaces everything else (dots
// included) with "_", so that every annotation can be filtered on.
func annotationKey(k string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, k)
}

// rawValue is v as a JSON-encodable Go value: like AsRaw, except that
// non-finite doubles (which JSON cannot hold) become their text.
func rawValue(v pcommon.Value) any {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		if f := v.Double(); math.IsNaN(f) || math.IsInf(f, 0) {
			return v.AsString()
		}
		return v.Double()
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		out := make([]any, s.Len())
		for i := range s.Len() {
			out[i] = rawValue(s.At(i))
		}
		return out
	case pcommon.ValueTypeMap:
		out := make(map[string]any, v.Map().Len())
		for k, mv := range v.Map().All() {
			out[k] = rawValue(mv)
		}
		return out
	}
	return v.AsRaw()
}
