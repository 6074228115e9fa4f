package filterexpr

import "strings"

// Keyword is a field of X-Ray's filter language, resolved from its
// case-insensitive spelling.
type Keyword uint8

const (
	kwInvalid Keyword = iota

	// Booleans.
	KwOK
	KwError
	KwThrottle
	KwFault
	KwPartial
	KwInferred
	KwRoot
	KwFirst
	KwLast
	KwRemote

	// Numbers.
	KwResponseTime
	KwDuration
	KwHTTPStatus
	KwIndex
	KwCoverage

	// Strings.
	KwHTTPURL
	KwHTTPMethod
	KwHTTPUserAgent
	KwHTTPClientIP
	KwUser
	KwName
	KwType
	KwMessage
	KwAvailabilityZone
	KwInstanceID
	KwResourceARN

	// KwAnnotation is annotation.KEY; Field.Annotation holds KEY.
	KwAnnotation

	kwCount
)

// scope is where a keyword may appear: the top level of an expression, or
// the block of a service(), edge() or rootcause keyword. It is a bit set so
// that the keyword table can list every place a keyword is allowed.
type scope uint8

const (
	scopeTrace       scope = 1 << iota // top level: the whole trace
	scopeService                       // service() { … }: one node
	scopeEdge                          // edge() { … }: one edge
	scopeRCService                     // rootcause.*.service { … }
	scopeRCEntity                      // rootcause.fault|error.entity { … }
	scopeRTEntity                      // rootcause.responsetime.entity { … }
	scopeRCException                   // rootcause.fault|error.exception { … }

	scopeRCAny = scopeRCService | scopeRCEntity | scopeRTEntity | scopeRCException
	scopeHTTP  = scopeTrace | scopeService | scopeEdge
)

type keywordInfo struct {
	name   string
	typ    ValueType
	scopes scope
}

// keywords is the language's keyword table: spelling, type, and where each
// keyword means something. The scopes follow xray-compat.md §6.2 and AWS's
// developer guide; doc.go lists the choices made where both are silent.
var keywords = [kwCount]keywordInfo{
	KwOK:       {"ok", TypeBool, scopeHTTP},
	KwError:    {"error", TypeBool, scopeHTTP},
	KwThrottle: {"throttle", TypeBool, scopeHTTP},
	KwFault:    {"fault", TypeBool, scopeHTTP},
	KwPartial:  {"partial", TypeBool, scopeTrace},
	KwInferred: {"inferred", TypeBool, scopeTrace | scopeService | scopeRCService},
	KwRoot:     {"root", TypeBool, scopeService},
	KwFirst:    {"first", TypeBool, scopeRCAny},
	KwLast:     {"last", TypeBool, scopeRCAny},
	KwRemote:   {"remote", TypeBool, scopeRCEntity | scopeRTEntity},

	KwResponseTime: {"responsetime", TypeNumber, scopeHTTP},
	KwDuration:     {"duration", TypeNumber, scopeTrace | scopeService},
	KwHTTPStatus:   {"http.status", TypeNumber, scopeHTTP},
	KwIndex:        {"index", TypeNumber, scopeRCAny},
	KwCoverage:     {"coverage", TypeNumber, scopeRTEntity},

	KwHTTPURL:          {"http.url", TypeString, scopeHTTP},
	KwHTTPMethod:       {"http.method", TypeString, scopeHTTP},
	KwHTTPUserAgent:    {"http.useragent", TypeString, scopeHTTP},
	KwHTTPClientIP:     {"http.clientip", TypeString, scopeHTTP},
	KwUser:             {"user", TypeString, scopeTrace},
	KwName:             {"name", TypeString, scopeService | scopeRCAny},
	KwType:             {"type", TypeString, scopeService | scopeRCService},
	KwMessage:          {"message", TypeString, scopeRCException},
	KwAvailabilityZone: {"availabilityzone", TypeString, scopeTrace},
	KwInstanceID:       {"instance.id", TypeString, scopeTrace},
	KwResourceARN:      {"resource.arn", TypeString, scopeTrace},

	KwAnnotation: {"annotation", 0, scopeTrace},
}

// keywordByName maps lower-case spellings to keywords. It is derived from
// the table so that the two cannot disagree.
var keywordByName = func() map[string]Keyword {
	m := make(map[string]Keyword, kwCount)
	for k := KwOK; k < kwCount; k++ {
		if k != KwAnnotation {
			m[keywords[k].name] = k
		}
	}
	return m
}()

// String returns the keyword's canonical (lower-case) spelling.
func (k Keyword) String() string {
	if k > kwInvalid && k < kwCount {
		return keywords[k].name
	}
	return "Keyword(?)"
}

// Type is the type of the keyword's values. Annotations have no fixed
// type (their values are booleans, numbers or strings): Type returns 0.
func (k Keyword) Type() ValueType {
	if k > kwInvalid && k < kwCount {
		return keywords[k].typ
	}
	return 0
}

func (k Keyword) allowedIn(s scope) bool { return keywords[k].scopes&s != 0 }

// allowedList describes where k may appear, for error messages: "at the
// top level or in service() { }".
func (k Keyword) allowedList() string {
	m := keywords[k].scopes
	var parts []string
	add := func(bits scope, phrase string) {
		if m&bits == bits {
			parts = append(parts, phrase)
			m &^= bits
		}
	}
	add(scopeTrace, "at the top level")
	add(scopeService, "in service() { }")
	add(scopeEdge, "in edge() { }")
	add(scopeRCAny, "in any rootcause block")
	add(scopeRCService, "in rootcause.*.service { }")
	add(scopeRCEntity|scopeRTEntity, "in rootcause.*.entity { }")
	add(scopeRCEntity, "in rootcause.fault.entity { } or rootcause.error.entity { }")
	add(scopeRTEntity, "in rootcause.responsetime.entity { }")
	add(scopeRCException, "in rootcause.*.exception { }")
	switch len(parts) {
	case 0:
		return "nowhere"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}
