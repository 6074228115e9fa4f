package trace

import (
	"math"
	"slices"

	"github.com/lightbox-tracing/lightbox/segment"
)

// MaxRootCauses caps FaultRootCauses and ErrorRootCauses, so that a trace
// that failed in many places (a fan-out, a retried call) keeps a small
// summary. The first ones in tree order are kept.
const MaxRootCauses = 10

// maxExceptions caps the exceptions reported for one entity, and so the
// cause links followed from one exception.
const maxExceptions = 10

// Flag bits of an entity, for walking faults and errors together.
const (
	rcFault uint8 = 1 << iota
	rcError
)

func rcFlags(d *segment.Document) uint8 {
	fault, err, _ := flags(d)
	var f uint8
	if fault {
		f |= rcFault
	}
	if err {
		f |= rcError
	}
	return f
}

// rootCauser computes one summary's root causes (spec §5.5). It takes
// service IDs from the graph's nodes, so it runs after the graph walk. It
// holds what it needs rather than the summarizer, which then stays on the
// stack.
type rootCauser struct {
	t     *Trace
	nodes []Node
	fault []RootCause
	err   []RootCause
	// exc indexes the trace's exceptions by ID, built the first time an
	// exception refers to another one.
	exc map[string]*segment.Exception
}

// rootCauses fills the summary's FaultRootCauses, ErrorRootCauses and
// ResponseTimeRootCauses.
//
// A fault (error) root cause is an entity that has the flag while nothing
// below it has: the place a fault started, not the places it travelled
// through. Every root candidate is walked, not only the root segment, so
// that a fault in a service whose caller has not reported still shows; its
// path then starts at that service. Orphans are skipped: their service is
// unknown.
func (b *summarizer) rootCauses() {
	t := b.t
	if len(t.roots) == 0 {
		return
	}
	r := rootCauser{t: t, nodes: b.nodes}
	for i, root := range t.roots {
		impact := uint8(0)
		if i == 0 {
			impact = rcFault | rcError
		}
		r.walk(root, impact)
	}
	b.s.FaultRootCauses, b.s.ErrorRootCauses = r.fault, r.err
	b.s.ResponseTimeRootCauses = r.responseTime(t.roots[0])
}

// walk visits e. impact holds the flags every entity from the trace's root
// segment down to e's parent carries. It returns the flags of e and
// everything below it.
//
// The subsegments nested in a call that became an inferred node are the
// SDK's side of that call (attempts, connect, marshal): they are not
// walked, and the call's own flags decide whether the node is a root cause.
func (r *rootCauser) walk(e *Entity, impact uint8) uint8 {
	own := rcFlags(e.Doc)
	impact &= own
	var below uint8
	if e.Inferred == nil {
		for _, c := range e.Children {
			below |= r.walk(c, impact)
		}
		for _, c := range e.Calls {
			below |= r.walk(c, impact)
		}
	}
	if leaf := own &^ below; leaf != 0 {
		if leaf&rcFault != 0 {
			r.fault = r.add(r.fault, e, impact&rcFault != 0)
		}
		if leaf&rcError != 0 {
			r.err = r.add(r.err, e, impact&rcError != 0)
		}
	}
	return own | below
}

// add appends the root cause ending at entity e to list, unless the list
// is full or holds the same root cause already (a call retried with the
// same failure).
func (r *rootCauser) add(list []RootCause, e *Entity, impacting bool) []RootCause {
	if len(list) >= MaxRootCauses {
		return list
	}
	rc := r.rootCause(e, 0)
	rc.ClientImpacting = impacting
	for i := range list {
		if rootCauseEqual(&list[i], &rc) {
			return list
		}
	}
	return append(list, rc)
}

// responseTime follows the critical path from the root segment: at each
// entity the child that took longest (ties: the one that ended last),
// until a leaf. It is empty while the root is in progress or took no time.
func (r *rootCauser) responseTime(root *Entity) []RootCause {
	rt := root.Doc.Duration()
	if root.Doc.InProgress || rt <= 0 {
		return nil
	}
	leaf := root
	for e := slowest(root); e != nil; e = slowest(e) {
		leaf = e
	}
	rc := r.rootCause(leaf, rt)
	rc.ClientImpacting = true
	return []RootCause{rc}
}

// slowest returns the child on e's critical path, or nil at a leaf. The
// time of a call whose callee reported belongs to the callee, so the path
// goes into the callee's segment rather than into the SDK's subsegments of
// the call (connect, request, response); a call that became an inferred
// node ends the path there.
func slowest(e *Entity) *Entity {
	if e.Inferred != nil {
		return nil
	}
	lists := [2][]*Entity{e.Children, e.Calls}
	if len(e.Calls) > 0 && !e.IsSegment() && isDownstream(e.Doc) {
		lists[0] = nil
	}
	var best *Entity
	var bestDur float64
	for _, list := range lists {
		for _, c := range list {
			d := c.Doc.Duration()
			if d <= 0 {
				continue
			}
			if best == nil || d > bestDur || d == bestDur && c.Doc.EndTime > best.Doc.EndTime {
				best, bestDur = c, d
			}
		}
	}
	return best
}

// rootCause lays the path from a root segment down to leaf out as
// services and their entity paths. The path is found upwards, through each
// entity's Parent and each segment's Caller, so the walks down need no
// stack of their own. A leaf that is a call that became an inferred node
// adds that node, as a service of its own whose one entity is the inferred
// segment (with the call's exceptions and coverage). rt > 0 asks for a
// response-time root cause: coverages instead of exceptions.
func (r *rootCauser) rootCause(leaf *Entity, rt float64) RootCause {
	n, nsvc := 0, 0
	for e := leaf; e != nil; e = up(e) {
		n++
		if e.IsSegment() {
			nsvc++
		}
	}
	if leaf.Inferred != nil {
		n, nsvc = n+1, nsvc+1
	}
	svcs := make([]RootCauseService, nsvc)
	ents := make([]RootCauseEntity, n)
	i, end := n, n
	// Fields are set in place: copying whole structs into the arrays costs
	// a bulk write barrier each while the GC runs.
	if leaf.Inferred != nil {
		i, end = i-1, end-1
		r.entity(&ents[i], leaf, rt)
		ents[i].Name, ents[i].Remote = leaf.Inferred.Name, true
		nsvc--
		svc := &svcs[nsvc]
		svc.ServiceID, svc.Inferred, svc.EntityPath = *leaf.Inferred, true, ents[i:n:n]
	}
	for e := leaf; e != nil; e = up(e) {
		i--
		r.entity(&ents[i], e, rt)
		if e.IsSegment() {
			nsvc--
			svc := &svcs[nsvc]
			r.serviceOf(&svc.ServiceID, e.Doc)
			svc.EntityPath = ents[i:end:end]
			end = i
		}
	}
	return RootCause{Services: svcs}
}

// up is the entity above e on the way to its root segment: the enclosing
// entity, or for a segment its caller.
func up(e *Entity) *Entity {
	if e.Parent != nil {
		return e.Parent
	}
	return e.Caller
}

// entity fills ent, a zero entity, from e.
func (r *rootCauser) entity(ent *RootCauseEntity, e *Entity, rt float64) {
	ent.Name, ent.Remote = e.Doc.Name, remote(e)
	if rt > 0 {
		ent.Coverage = coverage(e.Doc.Duration(), rt)
	} else {
		ent.Exceptions = r.exceptions(e.Doc.Cause)
	}
}

// serviceOf sets id to the node of the service a segment belongs to,
// whose Names the summary already holds.
func (r *rootCauser) serviceOf(id *ServiceID, d *segment.Document) {
	var acct string
	if d.AWS != nil {
		acct = d.AWS.AccountID
	}
	for i := range r.nodes {
		if n := &r.nodes[i]; !n.Client && n.Name == d.Name && n.Type == d.Origin && n.AccountID == acct {
			*id = n.ServiceID
			return
		}
	}
	// The graph walk adds a node for every segment it visits, and it
	// visits every segment root causes do; be safe all the same.
	*id = ServiceID{Name: d.Name, Names: []string{d.Name}, AccountID: acct, Type: d.Origin}
}

// remote reports whether an entity is a call to another service, or
// recorded an exception that the SDK marked as coming from one.
func remote(e *Entity) bool {
	d := e.Doc
	if !e.IsSegment() && isDownstream(d) {
		return true
	}
	if d.Cause != nil {
		for i := range d.Cause.Exceptions {
			if d.Cause.Exceptions[i].Remote {
				return true
			}
		}
	}
	return false
}

// coverage is d over rt, capped at 1 (clocks of different hosts disagree)
// and rounded to thousandths as X-Ray reports it.
func coverage(d, rt float64) float64 {
	return math.Round(min(d/rt, 1)*1000) / 1000
}

// exceptions lists the type and message of a cause's exceptions in the
// order the SDK wrote them (the thrown one first, then what caused it).
// References are resolved: a cause given as an exception ID, and an
// exception that only names its cause (the Java SDK's way of pointing at an
// exception a subsegment already recorded), report the exception they point
// to, then the chain of its causes.
func (r *rootCauser) exceptions(c *segment.Cause) []RootCauseException {
	if c == nil {
		return nil
	}
	var out []RootCauseException
	var seen []string // IDs of exceptions reported
	if c.ExceptionRef != "" {
		out, seen = r.follow(out, seen, c.ExceptionRef)
	}
	for i := range c.Exceptions {
		if len(out) >= maxExceptions {
			break
		}
		x := &c.Exceptions[i]
		if x.ID != "" {
			if slices.Contains(seen, x.ID) {
				continue
			}
			seen = append(seen, x.ID)
		}
		if x.Type != "" || x.Message != "" {
			out = append(out, RootCauseException{Name: x.Type, Message: x.Message})
		}
		if x.Cause != "" && !slices.ContainsFunc(c.Exceptions, func(y segment.Exception) bool { return y.ID == x.Cause }) {
			out, seen = r.follow(out, seen, x.Cause)
		}
	}
	return out
}

// follow appends the exception with ID id, found anywhere in the trace, and
// the exceptions its cause links lead to.
func (r *rootCauser) follow(out []RootCauseException, seen []string, id string) ([]RootCauseException, []string) {
	for id != "" && len(out) < maxExceptions && !slices.Contains(seen, id) {
		x := r.exception(id)
		if x == nil {
			break
		}
		seen = append(seen, id)
		if x.Type != "" || x.Message != "" {
			out = append(out, RootCauseException{Name: x.Type, Message: x.Message})
		}
		id = x.Cause
	}
	return out, seen
}

// exception finds an exception of the trace by ID.
func (r *rootCauser) exception(id string) *segment.Exception {
	if r.exc == nil {
		r.exc = make(map[string]*segment.Exception)
		for i := range r.t.entities {
			e := &r.t.entities[i]
			if e.dropped || e.Doc.Cause == nil {
				continue
			}
			for j := range e.Doc.Cause.Exceptions {
				if x := &e.Doc.Cause.Exceptions[j]; x.ID != "" {
					r.exc[x.ID] = x
				}
			}
		}
	}
	return r.exc[id]
}

func rootCauseEqual(a, b *RootCause) bool {
	return a.ClientImpacting == b.ClientImpacting && slices.EqualFunc(a.Services, b.Services, func(x, y RootCauseService) bool {
		return x.Name == y.Name && x.Type == y.Type && x.AccountID == y.AccountID && x.Inferred == y.Inferred &&
			slices.EqualFunc(x.EntityPath, y.EntityPath, func(p, q RootCauseEntity) bool {
				return p.Name == q.Name && p.Remote == q.Remote && p.Coverage == q.Coverage && slices.Equal(p.Exceptions, q.Exceptions)
			})
	})
}
