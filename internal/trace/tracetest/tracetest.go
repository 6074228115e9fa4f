// Package tracetest builds trace values for tests of the packages that
// store or encode them. It is test support: only _test.go files import it.
package tracetest

import (
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// FilledSummary sets every field of a trace.Summary, nested ones included,
// to a non-zero value by reflection, so that a field a codec does not know
// breaks the round trip. Strings repeat, to exercise interning.
func FilledSummary() *trace.Summary {
	s := new(trace.Summary)
	n := 0
	fill(reflect.ValueOf(s).Elem(), &n)
	// Exactly one of an annotation value's String, Number, Bool is set.
	i := 0
	for _, k := range slices.Sorted(maps.Keys(s.Annotations)) {
		vs := s.Annotations[k]
		for j := range vs {
			switch i % 3 {
			case 0:
				vs[j].Number, vs[j].Bool = nil, nil
			case 1:
				vs[j].String, vs[j].Bool = nil, nil
			case 2:
				vs[j].String, vs[j].Number = nil, nil
			}
			i++
		}
	}
	return s
}

// fill gives v, and everything in it, values from the counter n.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n%5))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint8:
		v.SetUint(uint64(*n%3 + 1))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString(fmt.Sprintf("key%d", i))
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, n)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	default:
		panic(fmt.Sprintf("fill: add a case for %s", v.Type()))
	}
}
