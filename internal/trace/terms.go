package trace

import (
	"sort"
	"strconv"
)

// Index terms: short strings that name facts about a trace which filter
// expressions often require (an annotation value, a service, a service that
// faulted, a user). A store engine may index a trace under its Terms so that
// a query whose every match must have some term reads only those traces.
// Both sides use the constructors below, so the vocabulary lives in one
// place.

// AnnotationTerm is the term of an annotation key with one value; value is
// a string, float64 or bool.
func AnnotationTerm(key string, value any) string {
	switch v := value.(type) {
	case string:
		return "a:" + key + "=s:" + v
	case float64:
		return "a:" + key + "=n:" + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "a:" + key + "=b:" + strconv.FormatBool(v)
	}
	return AnnotationKeyTerm(key)
}

// AnnotationKeyTerm is the term of an annotation key with any value.
func AnnotationKeyTerm(key string) string { return "a:" + key }

// ServiceTerm is the term of a node name, any type.
func ServiceTerm(name string) string { return "s:" + name }

// ServiceOutcomeTerm is the term of a node name with at least one
// observation of the given outcome (Fault, Throttle or ErrorOther).
func ServiceOutcomeTerm(name string, o Outcome) string {
	return "s" + strconv.Itoa(int(o)) + ":" + name
}

// UserTerm is the term of a user name.
func UserTerm(name string) string { return "u:" + name }

// Terms returns the trace's index terms, sorted and without duplicates.
func (s *Summary) Terms() []string {
	var out []string
	for k, vals := range s.Annotations {
		out = append(out, AnnotationKeyTerm(k))
		for _, v := range vals {
			switch {
			case v.String != nil:
				out = append(out, AnnotationTerm(k, *v.String))
			case v.Number != nil:
				out = append(out, AnnotationTerm(k, *v.Number))
			case v.Bool != nil:
				out = append(out, AnnotationTerm(k, *v.Bool))
			}
		}
	}
	for _, u := range s.Users {
		out = append(out, UserTerm(u.Name))
	}
	for i := range s.Graph.Nodes {
		n := &s.Graph.Nodes[i]
		if n.Client {
			continue
		}
		out = append(out, ServiceTerm(n.Name))
		var seen [Fault + 1]bool
		for _, o := range n.Obs {
			if o.Outcome != OK && !seen[o.Outcome] {
				seen[o.Outcome] = true
				out = append(out, ServiceOutcomeTerm(n.Name, o.Outcome))
			}
		}
	}
	sort.Strings(out)
	j := 0
	for i, t := range out {
		if i == 0 || t != out[j-1] {
			out[j] = t
			j++
		}
	}
	return out[:j]
}
