package api

import (
	"github.com/lightbox-tracing/lightbox/internal/query"
)

// window validates the StartTime/EndTime pair of a time-window query:
// both present, StartTime before EndTime, and no wider than MaxWindow.
func (a *API) window(start, end *epochSeconds) (query.Window, error) {
	switch {
	case start == nil:
		return query.Window{}, invalidRequest("member StartTime is required")
	case end == nil:
		return query.Window{}, invalidRequest("member EndTime is required")
	case *start < 0:
		return query.Window{}, invalidRequest("StartTime %v is before the Unix epoch", float64(*start))
	case !(*start < *end):
		return query.Window{}, invalidRequest("StartTime %v must be before EndTime %v", float64(*start), float64(*end))
	}
	if width := float64(*end) - float64(*start); width > a.opts.MaxWindow.Seconds() {
		return query.Window{}, invalidRequest("the time window from StartTime to EndTime is %.0f s; the limit is %v", width, a.opts.MaxWindow)
	}
	return query.Window{Start: float64(*start), End: float64(*end)}, nil
}
