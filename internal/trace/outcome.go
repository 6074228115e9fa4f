package trace

import "github.com/lightbox-tracing/lightbox/segment"

// flags returns the fault, error and throttle flags of a (sub)segment. When
// the SDK set none of them, the HTTP status decides as X-Ray does: 5xx is a
// fault, 4xx an error, and 429 an error that is also a throttle.
func flags(d *segment.Document) (fault, err, throttle bool) {
	if d.Fault || d.Error || d.Throttle {
		return d.Fault, d.Error, d.Throttle
	}
	switch s := d.Status(); {
	case s >= 500 && s <= 599:
		return true, false, false
	case s == 429:
		return false, true, true
	case s >= 400 && s <= 499:
		return false, true, false
	}
	return false, false, false
}

// outcome classifies one observation: fault beats throttle beats error.
func outcome(d *segment.Document) Outcome {
	fault, err, throttle := flags(d)
	switch {
	case fault:
		return Fault
	case throttle:
		return Throttle
	case err:
		return ErrorOther
	}
	return OK
}
