package filterexpr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// RootCausePattern is one element of rootcause.json = #[…]: a partial root
// cause in the shape of TraceSummary's FaultRootCauses, ErrorRootCauses and
// ResponseTimeRootCauses. A nil pointer or list is a wildcard; a present
// field must equal the root cause's. A list matches a list of the same
// length whose elements match element by element, in order.
type RootCausePattern struct {
	Services        []ServicePattern `json:"Services,omitempty"`
	ClientImpacting *bool            `json:"ClientImpacting,omitempty"`
}

// ServicePattern matches one element of a root cause's Services.
type ServicePattern struct {
	Name       *string         `json:"Name,omitempty"`
	Names      []string        `json:"Names,omitempty"`
	Type       *string         `json:"Type,omitempty"`
	AccountID  *string         `json:"AccountId,omitempty"`
	Inferred   *bool           `json:"Inferred,omitempty"`
	EntityPath []EntityPattern `json:"EntityPath,omitempty"`
}

// EntityPattern matches one element of a service's EntityPath. Coverage
// exists only on response-time root causes, Exceptions only on fault and
// error root causes.
type EntityPattern struct {
	Name       *string            `json:"Name,omitempty"`
	Coverage   *float64           `json:"Coverage,omitempty"`
	Remote     *bool              `json:"Remote,omitempty"`
	Exceptions []ExceptionPattern `json:"Exceptions,omitempty"`
}

// ExceptionPattern matches one element of an entity's Exceptions.
type ExceptionPattern struct {
	Name    *string `json:"Name,omitempty"`
	Message *string `json:"Message,omitempty"`
}

// decodePatterns reads the array of rootcause.json. Unknown fields are
// errors rather than wildcards: a misspelt "EntityPaths" would otherwise
// match every root cause. JSON field names match case-insensitively, as
// encoding/json does.
func decodePatterns(raw []byte) ([]RootCausePattern, int, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var ps []RootCausePattern
	if err := dec.Decode(&ps); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			field := typ.Field
			if field == "" {
				field = "a pattern"
			}
			return nil, valueStart(raw, int(typ.Offset)), fmt.Errorf("%s must be %s, not a JSON %s", field, jsonKind(typ.Type), typ.Value)
		}
		return nil, 0, errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	if len(ps) == 0 {
		return nil, 0, errors.New("the list needs at least one root-cause pattern")
	}
	for i := range ps {
		normalizePattern(&ps[i])
	}
	return ps, 0, nil
}

// valueStart finds where the JSON value that encoding/json reports at
// offset begins: it reports just past the opening bracket of an object or
// array, and just past the end of a scalar.
func valueStart(raw []byte, offset int) int {
	i := min(max(offset, 1), len(raw)) - 1
	switch c := raw[i]; {
	case c == '{' || c == '[':
		return i
	case c == '"':
		for j := i - 1; j >= 0; j-- {
			if raw[j] != '"' {
				continue
			}
			k := j // an escaped quote has an odd number of backslashes before it
			for k > 0 && raw[k-1] == '\\' {
				k--
			}
			if (j-k)%2 == 0 {
				return j
			}
		}
		return i
	}
	for i > 0 && bytes.IndexByte([]byte("+-.0123456789eEtruefalsn"), raw[i-1]) >= 0 {
		i--
	}
	return i
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Struct:
		return "an object"
	}
	return t.String()
}

// normalizePattern turns empty lists into nil: both mean "any", and one
// spelling keeps print → parse round trips equal.
func normalizePattern(p *RootCausePattern) {
	if len(p.Services) == 0 {
		p.Services = nil
	}
	for i := range p.Services {
		s := &p.Services[i]
		if len(s.Names) == 0 {
			s.Names = nil
		}
		if len(s.EntityPath) == 0 {
			s.EntityPath = nil
		}
		for j := range s.EntityPath {
			if len(s.EntityPath[j].Exceptions) == 0 {
				s.EntityPath[j].Exceptions = nil
			}
		}
	}
}

// encodePatterns prints patterns as compact JSON without HTML escaping,
// which decodePatterns reads back to equal values.
func encodePatterns(ps []RootCausePattern) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ps); err != nil {
		// Only unsupported values (NaN, channels) fail, and decoding JSON
		// cannot produce them.
		panic("filterexpr: cannot encode rootcause.json patterns: " + err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n")
}
