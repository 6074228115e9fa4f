package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// epochSeconds is a timestamp member: Unix seconds as a JSON number, integer
// (awscli) or fractional (aws-sdk-go-v2). Strings are refused, whatever
// they hold.
type epochSeconds float64

// finite is a double member. aws-sdk-go-v2 writes NaN and ±Inf as the
// strings "NaN", "Infinity", "-Infinity"; they are refused.
type finite float64

func (t *epochSeconds) UnmarshalJSON(b []byte) error {
	v, err := parseFinite(b, reflect.TypeFor[epochSeconds]())
	*t = epochSeconds(v)
	return err
}

func (f *finite) UnmarshalJSON(b []byte) error {
	v, err := parseFinite(b, reflect.TypeFor[finite]())
	*f = finite(v)
	return err
}

// parseFinite accepts a JSON number that fits a finite float64. It reports
// anything else as a *json.UnmarshalTypeError, because encoding/json then
// fills in the member's path (Field) for the error message.
func parseFinite(b []byte, t reflect.Type) (float64, error) {
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return 0, &json.UnmarshalTypeError{Value: jsonKind(b), Type: t}
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, &json.UnmarshalTypeError{Value: "number " + string(b), Type: t}
	}
	return v, nil
}

// jsonKind names a JSON value for error messages, quoting short strings so
// that "NaN" shows up as such.
func jsonKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '"':
		if len(b) <= 34 {
			return "string " + string(b)
		}
		return "string"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	case b[0] == 'n':
		return "null"
	}
	return "number " + string(b)
}

// decode reads a request body into v (a pointer to a request struct).
// Unknown members are ignored, as X-Ray does; members of the wrong JSON
// type are refused with a message naming the member. An empty body is an
// empty object: operations without input members send no body at all.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return invalidRequest("request body must be a JSON object, not %s", typeErr.Value)
		}
		if ft := memberType(reflect.TypeOf(v), typeErr.Field); ft != nil && ft != typeErr.Type &&
			(ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map) && ft.Elem() == typeErr.Type {
			return invalidRequest("each element of member %s must be %s, not %s", typeErr.Field, describeType(typeErr.Type), typeErr.Value)
		}
		return invalidRequest("member %s must be %s, not %s", typeErr.Field, describeType(typeErr.Type), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return invalidRequest("request body is not valid JSON: %v (at byte %d)", syntaxErr, syntaxErr.Offset)
	}
	return invalidRequest("cannot decode request body: %v", err)
}

// memberType resolves a dotted member path ("A.B") as encoding/json reports
// it against the request type t, looking through pointers and lists; nil if
// it cannot.
func memberType(t reflect.Type, path string) reflect.Type {
	for _, name := range strings.Split(path, ".") {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := t.FieldByNameFunc(func(n string) bool {
			sf, _ := t.FieldByName(n)
			tag, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if tag == "" {
				tag = n
			}
			return strings.EqualFold(tag, name)
		})
		if !ok {
			return nil
		}
		t = f.Type
	}
	return t
}

// describeType says in words what a request member must be.
func describeType(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[epochSeconds]():
		return "a JSON number of seconds since the Unix epoch"
	case reflect.TypeFor[finite]():
		return "a finite JSON number"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprintf("an integer that fits %d bits", t.Bits())
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list of " + plural(t.Elem())
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

func plural(t reflect.Type) string {
	switch d := describeType(t); {
	case d == "a string":
		return "strings"
	case d == "an object":
		return "objects"
	default:
		return "values that are each " + d
	}
}
