package sampling

import (
	"fmt"
	"unicode/utf8"
)

// Rule is a sampling rule, in X-Ray's shape.
type Rule struct {
	RuleName      string
	RuleARN       string
	ResourceARN   string
	Priority      int32
	FixedRate     float64
	ReservoirSize int32
	ServiceName   string
	ServiceType   string
	Host          string
	HTTPMethod    string
	URLPath       string
	Version       int32
	Attributes    map[string]string
}

// Record is a rule with its creation and modification times (Unix
// seconds), as GetSamplingRules returns it and as it is stored.
type Record struct {
	SamplingRule Rule
	CreatedAt    float64
	ModifiedAt   float64
}

// The Default rule's values are X-Ray's (§4.5).
const (
	DefaultRuleName      = "Default"
	DefaultPriority      = 10000
	DefaultFixedRate     = 0.05
	DefaultReservoirSize = 1
	// MaxRules is X-Ray's quota of rules besides Default.
	MaxRules = 25
)

// ValidationError is a rule or request the caller got wrong; its message
// names the member and says why.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// Limits of X-Ray's API model.
const (
	maxRuleName     = 32
	maxResourceARN  = 500
	maxServiceName  = 64
	maxServiceType  = 64
	maxHost         = 64
	maxHTTPMethod   = 10
	maxURLPath      = 128
	maxAttributes   = 5
	maxAttributeLen = 32
)

func checkLen(member, v string, lo, hi int) error {
	if n := utf8.RuneCountInString(v); n < lo || n > hi {
		if lo > 0 && n == 0 {
			return invalid("%s must not be empty", member)
		}
		return invalid("%s %.40q is %d characters long; it must be %d to %d", member, v, n, lo, hi)
	}
	return nil
}

// validate checks every member of a complete rule (create, or the result
// of an update).
func (r *Rule) validate() error {
	checks := []error{
		checkLen("RuleName", r.RuleName, 1, maxRuleName),
		checkLen("ResourceARN", r.ResourceARN, 0, maxResourceARN),
		checkLen("ServiceName", r.ServiceName, 0, maxServiceName),
		checkLen("ServiceType", r.ServiceType, 0, maxServiceType),
		checkLen("Host", r.Host, 0, maxHost),
		checkLen("HTTPMethod", r.HTTPMethod, 0, maxHTTPMethod),
		checkLen("URLPath", r.URLPath, 0, maxURLPath),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	switch {
	case r.RuleName != DefaultRuleName && (r.Priority < 1 || r.Priority > 9999):
		return invalid("Priority %d is not between 1 and 9999 (lower is evaluated first)", r.Priority)
	case r.FixedRate < 0 || r.FixedRate > 1:
		return invalid("FixedRate %v is not between 0 and 1", r.FixedRate)
	case r.ReservoirSize < 0:
		return invalid("ReservoirSize %d is negative", r.ReservoirSize)
	case r.Version != 1:
		return invalid("Version %d is not supported; it must be 1", r.Version)
	case len(r.Attributes) > maxAttributes:
		return invalid("Attributes has %d entries; the limit is %d", len(r.Attributes), maxAttributes)
	}
	for k, v := range r.Attributes {
		if err := checkLen("Attributes key", k, 1, maxAttributeLen); err != nil {
			return err
		}
		if err := checkLen(fmt.Sprintf("Attributes[%q]", k), v, 1, maxAttributeLen); err != nil {
			return err
		}
	}
	return nil
}

// Update is UpdateSamplingRule's input: the rule named by RuleName or
// RuleARN (one of them), members left nil unchanged.
type Update struct {
	RuleName      *string
	RuleARN       *string
	ResourceARN   *string
	Priority      *int32
	FixedRate     *float64
	ReservoirSize *int32
	ServiceName   *string
	ServiceType   *string
	Host          *string
	HTTPMethod    *string
	URLPath       *string
	Attributes    map[string]string
}

// apply returns r with u's members; only FixedRate and ReservoirSize may
// change on the Default rule.
func (u *Update) apply(r Rule) (Rule, error) {
	if r.RuleName == DefaultRuleName {
		if u.ResourceARN != nil || u.Priority != nil || u.ServiceName != nil || u.ServiceType != nil ||
			u.Host != nil || u.HTTPMethod != nil || u.URLPath != nil || u.Attributes != nil {
			return r, invalid("only FixedRate and ReservoirSize of the Default rule can be updated")
		}
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&r.ResourceARN, u.ResourceARN)
	set(&r.ServiceName, u.ServiceName)
	set(&r.ServiceType, u.ServiceType)
	set(&r.Host, u.Host)
	set(&r.HTTPMethod, u.HTTPMethod)
	set(&r.URLPath, u.URLPath)
	if u.Priority != nil {
		r.Priority = *u.Priority
	}
	if u.FixedRate != nil {
		r.FixedRate = *u.FixedRate
	}
	if u.ReservoirSize != nil {
		r.ReservoirSize = *u.ReservoirSize
	}
	if u.Attributes != nil {
		r.Attributes = u.Attributes
	}
	return r, r.validate()
}
