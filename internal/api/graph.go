package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/lightbox-tracing/lightbox/internal/query"
	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// MaxTraceGraphIDs caps GetTraceGraph's TraceIds: the graph is merged in
// one response, so there is no paging to fall back on.
const MaxTraceGraphIDs = 100

type getServiceGraphInput struct {
	StartTime *epochSeconds
	EndTime   *epochSeconds
	GroupName string
	GroupARN  string
	NextToken string
}

type getServiceGraphOutput struct {
	StartTime                float64
	EndTime                  float64
	Services                 []query.Service
	ContainsOldGroupVersions bool
}

// getServiceGraph merges the graph fragments of every trace overlapping
// the window. The whole graph is one page.
func (a *API) getServiceGraph(ctx context.Context, body []byte) (any, error) {
	var in getServiceGraphInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	w, err := a.window(in.StartTime, in.EndTime)
	if err != nil {
		return nil, err
	}
	group, err := a.requestGroup(in.GroupName, in.GroupARN)
	if err != nil {
		return nil, err
	}
	if in.NextToken != "" {
		return nil, invalidRequest("NextToken %.40q was not issued by this server: GetServiceGraph answers in one page", in.NextToken)
	}
	m := query.NewGraphMerger(w)
	err = a.opts.Reader.FindTraces(ctx, store.TraceQuery{Start: w.Start, End: w.End, RangeType: store.Overlapping, Filter: group},
		func(s *trace.Summary, _ store.Position) bool {
			m.Add(&s.Graph)
			return true
		})
	if err != nil {
		return nil, fmt.Errorf("cannot find traces overlapping [%v, %v): %w", w.Start, w.End, err)
	}
	return getServiceGraphOutput{StartTime: w.Start, EndTime: w.End, Services: m.Services()}, nil
}

type getTraceGraphInput struct {
	TraceIds  []string
	NextToken string
}

type getTraceGraphOutput struct {
	Services []query.Service
}

// getTraceGraph assembles the listed traces and merges their graphs.
// Unknown IDs contribute nothing, as X-Ray does.
func (a *API) getTraceGraph(ctx context.Context, body []byte) (any, error) {
	var in getTraceGraphInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case len(in.TraceIds) == 0:
		return nil, invalidRequest("member TraceIds is required and must not be empty")
	case len(in.TraceIds) > MaxTraceGraphIDs:
		return nil, invalidRequest("TraceIds has %d IDs; the limit is %d", len(in.TraceIds), MaxTraceGraphIDs)
	case in.NextToken != "":
		return nil, invalidRequest("NextToken %.40q was not issued by this server: GetTraceGraph answers in one page", in.NextToken)
	}
	ids := make([]string, 0, len(in.TraceIds))
	for i, id := range in.TraceIds {
		tid, err := segment.ParseTraceID(strings.ToLower(id))
		if err != nil {
			return nil, invalidRequest("TraceIds[%d]: %v", i, err)
		}
		ids = append(ids, tid.String())
	}
	found, err := a.opts.Reader.GetTraces(ctx, dedupe(ids))
	if err != nil {
		return nil, fmt.Errorf("cannot read %d traces: %w", len(ids), err)
	}
	m := query.NewGraphMerger(query.Window{})
	for _, td := range found {
		s := trace.Assemble(td.ID, td.Documents).Summary()
		m.Add(&s.Graph)
	}
	return getTraceGraphOutput{Services: m.Services()}, nil
}

type getTimeSeriesInput struct {
	StartTime                *epochSeconds
	EndTime                  *epochSeconds
	GroupName                string
	GroupARN                 string
	EntitySelectorExpression string
	Period                   *int32
	ForecastStatistics       bool
	NextToken                string
}

type getTimeSeriesOutput struct {
	TimeSeriesServiceStatistics []query.TimeSeriesStatistics
	ContainsOldGroupVersions    bool
}

// getTimeSeriesServiceStatistics buckets statistics by Period: of what
// EntitySelectorExpression selects (nodes: their segments and the calls
// into them; edges: their calls), or without one of the entry points and
// the client calls into them. ForecastStatistics is accepted; no forecast
// is computed, and the optional ServiceForecastStatistics member stays
// absent.
func (a *API) getTimeSeriesServiceStatistics(ctx context.Context, body []byte) (any, error) {
	var in getTimeSeriesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	w, err := a.window(in.StartTime, in.EndTime)
	if err != nil {
		return nil, err
	}
	group, err := a.requestGroup(in.GroupName, in.GroupARN)
	if err != nil {
		return nil, err
	}
	var sel *query.Selection
	if !isBlank(in.EntitySelectorExpression) {
		s, err := parseEntitySelector(in.EntitySelectorExpression)
		if err != nil {
			return nil, err
		}
		sel = &s
	}
	if in.NextToken != "" {
		return nil, invalidRequest("NextToken %.40q was not issued by this server: GetTimeSeriesServiceStatistics answers in one page", in.NextToken)
	}
	period := query.DefaultPeriod
	if in.Period != nil {
		period = int(*in.Period)
		if err := query.CheckPeriod(period); err != nil {
			return nil, invalidRequest("Period: %v", err)
		}
	}
	var ts *query.TimeSeries
	if sel != nil {
		ts, err = query.NewSelectedTimeSeries(w, period, *sel)
	} else {
		ts, err = query.NewTimeSeries(w, period, nil)
	}
	if err != nil {
		return nil, invalidRequest("%v", err)
	}
	err = a.opts.Reader.FindTraces(ctx, store.TraceQuery{Start: w.Start, End: w.End, RangeType: store.Overlapping, Filter: group},
		func(s *trace.Summary, _ store.Position) bool {
			ts.Add(&s.Graph)
			return true
		})
	if err != nil {
		return nil, fmt.Errorf("cannot find traces overlapping [%v, %v): %w", w.Start, w.End, err)
	}
	return getTimeSeriesOutput{TimeSeriesServiceStatistics: ts.Statistics()}, nil
}
