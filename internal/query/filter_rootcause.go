package query

import (
	"slices"

	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// rcElem is one element of a root cause's list at a level: a service, an
// entity of the services' entity paths (concatenated in order), or an
// exception of those entities (in order). It is passed by value so that
// evaluating a block allocates nothing.
type rcElem struct {
	svc          *trace.RootCauseService
	ent          *trace.RootCauseEntity    // entity and exception levels
	exc          *trace.RootCauseException // exception level
	index, count int
}

// rootCauses returns the trace's root causes of kind k.
func rootCauses(s *trace.Summary, k filterexpr.RootCauseKind) []trace.RootCause {
	switch k {
	case filterexpr.RootCauseFault:
		return s.FaultRootCauses
	case filterexpr.RootCauseError:
		return s.ErrorRootCauses
	case filterexpr.RootCauseResponseTime:
		return s.ResponseTimeRootCauses
	}
	return nil
}

// compileRootCause compiles rootcause.K.L { block }: some root cause of
// kind K has an element at level L for which the block holds.
func compileRootCause(x *filterexpr.RootCause) (pred[*trace.Summary], error) {
	block, err := logic(x.Block, func(e filterexpr.Expr) (pred[rcElem], error) { return rcLeaf(e, x.Level) })
	if err != nil {
		return nil, err
	}
	kind, level := x.Kind, x.Level
	return func(s *trace.Summary) bool {
		rcs := rootCauses(s, kind)
		for i := range rcs {
			if someElement(&rcs[i], level, block) {
				return true
			}
		}
		return false
	}, nil
}

// someElement reports whether block holds for an element of rc at level.
func someElement(rc *trace.RootCause, level filterexpr.RootCauseLevel, block pred[rcElem]) bool {
	svcs := rc.Services
	switch level {
	case filterexpr.LevelService:
		for i := range svcs {
			if block(rcElem{svc: &svcs[i], index: i, count: len(svcs)}) {
				return true
			}
		}
	case filterexpr.LevelEntity:
		count := 0
		for i := range svcs {
			count += len(svcs[i].EntityPath)
		}
		at := 0
		for i := range svcs {
			path := svcs[i].EntityPath
			for j := range path {
				if block(rcElem{svc: &svcs[i], ent: &path[j], index: at, count: count}) {
					return true
				}
				at++
			}
		}
	case filterexpr.LevelException:
		count := 0
		for i := range svcs {
			for j := range svcs[i].EntityPath {
				count += len(svcs[i].EntityPath[j].Exceptions)
			}
		}
		at := 0
		for i := range svcs {
			path := svcs[i].EntityPath
			for j := range path {
				exc := path[j].Exceptions
				for k := range exc {
					if block(rcElem{svc: &svcs[i], ent: &path[j], exc: &exc[k], index: at, count: count}) {
						return true
					}
					at++
				}
			}
		}
	}
	return false
}

// rcLeaf compiles a keyword inside a rootcause block at level.
func rcLeaf(e filterexpr.Expr, level filterexpr.RootCauseLevel) (pred[rcElem], error) {
	f, cmp, ok := fieldOf(e)
	if !ok {
		return nil, errUnexpected(e, "in a rootcause block")
	}
	switch f.Keyword {
	case filterexpr.KwFirst:
		return boolPred(func(el rcElem) bool { return el.index == 0 }, cmp), nil
	case filterexpr.KwLast:
		return boolPred(func(el rcElem) bool { return el.index == el.count-1 }, cmp), nil
	case filterexpr.KwIndex:
		if cmp == nil {
			break
		}
		n := numTest{op: cmp.Op, v: cmp.Value.Num}
		return func(el rcElem) bool { return n.test(float64(el.index)) }, nil
	case filterexpr.KwName:
		t := strTestOf(cmp)
		switch level {
		case filterexpr.LevelService:
			return func(el rcElem) bool { return t.test(el.svc.Name) }, nil
		case filterexpr.LevelEntity:
			return func(el rcElem) bool { return t.test(el.ent.Name) }, nil
		case filterexpr.LevelException:
			return func(el rcElem) bool { return t.test(el.exc.Name) }, nil
		}
	case filterexpr.KwType:
		if level == filterexpr.LevelService {
			t := strTestOf(cmp)
			return func(el rcElem) bool { return t.test(el.svc.Type) }, nil
		}
	case filterexpr.KwInferred:
		if level == filterexpr.LevelService {
			return boolPred(func(el rcElem) bool { return el.svc.Inferred }, cmp), nil
		}
	case filterexpr.KwRemote:
		if level == filterexpr.LevelEntity {
			return boolPred(func(el rcElem) bool { return el.ent.Remote }, cmp), nil
		}
	case filterexpr.KwCoverage:
		if level == filterexpr.LevelEntity && cmp != nil {
			n := numTest{op: cmp.Op, v: cmp.Value.Num}
			return func(el rcElem) bool { return n.test(el.ent.Coverage) }, nil
		}
	case filterexpr.KwMessage:
		if level == filterexpr.LevelException {
			t := strTestOf(cmp)
			return func(el rcElem) bool { return t.test(el.exc.Message) }, nil
		}
	}
	return nil, errUnexpected(e, "in a rootcause."+level.String()+" block")
}

// compileRootCauseJSON compiles rootcause.json = #[p, …]: every pattern
// matches some root cause of the trace, of any kind.
func compileRootCauseJSON(x *filterexpr.RootCauseJSON) pred[*trace.Summary] {
	ps := x.Patterns
	return func(s *trace.Summary) bool {
		for i := range ps {
			p := &ps[i]
			if !anyPatternMatch(p, s.FaultRootCauses, false) &&
				!anyPatternMatch(p, s.ErrorRootCauses, false) &&
				!anyPatternMatch(p, s.ResponseTimeRootCauses, true) {
				return false
			}
		}
		return true
	}
}

func anyPatternMatch(p *filterexpr.RootCausePattern, rcs []trace.RootCause, rt bool) bool {
	for i := range rcs {
		if patternMatch(p, &rcs[i], rt) {
			return true
		}
	}
	return false
}

// patternMatch reports whether rc matches p: every field p has equals rc's,
// lists element by element with equal lengths. rt says rc is a
// response-time root cause, the only kind whose entities have a Coverage.
func patternMatch(p *filterexpr.RootCausePattern, rc *trace.RootCause, rt bool) bool {
	if p.ClientImpacting != nil && *p.ClientImpacting != rc.ClientImpacting {
		return false
	}
	if p.Services == nil {
		return true
	}
	if len(p.Services) != len(rc.Services) {
		return false
	}
	for i := range p.Services {
		if !servicePatternMatch(&p.Services[i], &rc.Services[i], rt) {
			return false
		}
	}
	return true
}

func servicePatternMatch(p *filterexpr.ServicePattern, s *trace.RootCauseService, rt bool) bool {
	if !eqPtr(p.Name, s.Name) || !eqPtr(p.Type, s.Type) || !eqPtr(p.AccountID, s.AccountID) || !eqPtr(p.Inferred, s.Inferred) {
		return false
	}
	if p.Names != nil && !slices.Equal(p.Names, s.Names) {
		return false
	}
	if p.EntityPath == nil {
		return true
	}
	if len(p.EntityPath) != len(s.EntityPath) {
		return false
	}
	for i := range p.EntityPath {
		pe, e := &p.EntityPath[i], &s.EntityPath[i]
		if !eqPtr(pe.Name, e.Name) || !eqPtr(pe.Remote, e.Remote) {
			return false
		}
		if pe.Coverage != nil && (!rt || *pe.Coverage != e.Coverage) {
			return false
		}
		if pe.Exceptions != nil && !slices.EqualFunc(pe.Exceptions, e.Exceptions, func(px filterexpr.ExceptionPattern, x trace.RootCauseException) bool {
			return eqPtr(px.Name, x.Name) && eqPtr(px.Message, x.Message)
		}) {
			return false
		}
	}
	return true
}

// eqPtr is true when the pattern field is absent or equals v.
func eqPtr[T comparable](p *T, v T) bool { return p == nil || *p == v }
