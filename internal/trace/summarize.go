package trace

import (
	"slices"

	"github.com/lightbox-tracing/lightbox/segment"
)

// MaxAnnotationKeys is how many annotation keys a trace summary indexes, as
// X-Ray does; later keys (in tree order from the root) are ignored.
const MaxAnnotationKeys = 50

// Summary computes the trace's summary and graph fragment (spec §4.3, §5.2,
// §5.3) and its root causes (§5.5). Revision and UpdatedAt are left for the caller to set. It runs for
// every trace at ingest, so it walks the tree once and does no reflection.
func (t *Trace) Summary() *Summary {
	s := &Summary{
		ID:           t.ID,
		StartTime:    t.start,
		EndTime:      t.end,
		Duration:     t.Duration(),
		SegmentCount: len(t.Docs),
	}
	if !t.hasEnd {
		s.EndTime = s.StartTime
	}
	nodes := len(t.roots) + len(t.segs) + len(t.inferred)
	b := summarizer{
		t: t, s: s, dur: s.Duration,
		nodes: make([]Node, 0, nodes),
		names: make([]string, 0, nodes),
		edges: make([]edgeRec, 0, nodes),
		obs:   make([]obsRec, 0, 2*nodes),
	}
	if root := t.Root(); root != nil {
		d := root.Doc
		s.ResponseTime = d.Duration()
		s.HTTP = httpOf(d)
		s.HasFault, s.HasError, _ = flags(d)
	}
	for i, r := range t.roots {
		if i > 0 && r.Doc.ParentID != "" {
			// A second entry into the trace whose caller is missing: the
			// calling segment has not arrived.
			s.IsPartial = true
		}
		b.segment(r, -1)
	}
	for _, o := range t.orphans {
		s.IsPartial = true
		b.entity(o, -1)
	}

	b.finish()
	b.finishHTTP()
	b.rootCauses()
	s.Graph.Nodes = b.nodes
	s.ServiceIDs = make([]ServiceID, 0, len(b.nodes))
	for i := range b.nodes {
		n := &b.nodes[i]
		if n.Client {
			continue
		}
		s.ServiceIDs = append(s.ServiceIDs, n.ServiceID)
		if n.Root {
			id := n.ServiceID
			s.EntryPoint = &id
		}
	}
	slices.Sort(s.ResourceARNs)
	slices.Sort(s.InstanceIDs)
	slices.Sort(s.AvailabilityZones)
	return s
}

// summarizer carries one Summary computation through the tree walk. It
// runs for every trace at ingest, so observations and edges are recorded
// flat during the walk and laid out in a few arrays at the end (finish),
// instead of growing one small slice per node and edge.
type summarizer struct {
	t     *Trace
	s     *Summary
	dur   float64
	nodes []Node
	names []string  // what the nodes' Names point into
	edges []edgeRec // in discovery order
	obs   []obsRec  // in walk order
	https []httpRec // in walk order; see summarize_http.go

	keys  []string          // scratch for sorting annotation keys
	svcs  []ServiceID       // what annotation and user ServiceIDs start in
	vals  []AnnotationValue // what annotation value lists start in
	strs  []string          // what annotation values point to
	nums  []float64
	bools []bool
}

// edgeRec is an edge found during the walk.
type edgeRec struct {
	from, to int
	obs      int // how many observations it has
	at       int // its index in nodes[from].Edges, once laid out
}

// obsRec is an observation of node (edge < 0) or of edges[edge].
type obsRec struct {
	node, edge int
	o          Observation
}

func httpOf(d *segment.Document) HTTP {
	var h HTTP
	if d.HTTP == nil {
		return h
	}
	if r := d.HTTP.Request; r != nil {
		h.URL, h.Method, h.UserAgent, h.ClientIP = r.URL, r.Method, r.UserAgent, r.ClientIP
	}
	h.Status = d.Status()
	return h
}

// segment accounts for a top-level segment: its service node, the edge into
// it (from the client node for a root candidate, from the calling service
// otherwise), then everything under it. caller is the calling service's node
// index, or -1 when unknown.
func (b *summarizer) segment(e *Entity, caller int) {
	d := e.Doc
	id := ServiceID{Name: d.Name, Type: d.Origin}
	if d.AWS != nil {
		id.AccountID = d.AWS.AccountID
	}
	var n int
	if e.Caller == nil {
		// The client node comes first so that graphs read from the entry.
		c := b.node(ServiceID{Name: d.Name, Type: TypeClient}, kindClient)
		n = b.node(id, kindService)
		b.edge(c, n, d)
		if e == b.t.roots[0] {
			b.nodes[n].Root = true
		}
	} else {
		n = b.node(id, kindService)
		if caller >= 0 {
			b.edge(caller, n, e.Caller.Doc)
		}
	}
	b.nodeObs(n, d)

	s := b.s
	if _, _, throttle := flags(d); throttle {
		s.HasThrottle = true
	}
	if d.User != "" {
		b.user(d.User, n)
	}
	if d.ResourceARN != "" {
		s.ResourceARNs = addString(s.ResourceARNs, d.ResourceARN)
	}
	if a := d.AWS; a != nil {
		if a.EC2 != nil {
			s.InstanceIDs = addString(s.InstanceIDs, a.EC2.InstanceID)
			s.AvailabilityZones = addString(s.AvailabilityZones, a.EC2.AvailabilityZone)
		}
		if a.ECS != nil {
			s.AvailabilityZones = addString(s.AvailabilityZones, a.ECS.AvailabilityZone)
		}
	}
	b.entity(e, n)
}

// entity accounts for what any (sub)segment contributes, then recurses into
// its subsegments and the segments it called. svc is the node index of the
// service the entity belongs to, or -1 inside an orphan's tree.
func (b *summarizer) entity(e *Entity, svc int) {
	d := e.Doc
	if d.InProgress {
		b.s.IsPartial = true
	}
	if d.HTTP != nil && d.HTTP.Request != nil && d.HTTP.Request.Traced && len(e.Calls) == 0 {
		// The callee is instrumented, but its segment has not arrived.
		b.s.IsPartial = true
	}
	if len(d.Annotations) > 0 {
		b.annotate(d, svc)
	}
	if e.Inferred != nil {
		n := b.node(*e.Inferred, kindInferred)
		b.nodeObs(n, d)
		if svc >= 0 {
			b.edge(svc, n, d)
		}
		// An inferred node is a segment of the trace as BatchGetTraces
		// returns it, so its throttle counts like a segment's.
		if _, _, throttle := flags(d); throttle {
			b.s.HasThrottle = true
		}
	}
	for _, c := range e.Children {
		b.entity(c, svc)
	}
	for _, c := range e.Calls {
		b.segment(c, svc)
	}
}

type nodeKind uint8

const (
	kindService nodeKind = iota
	kindInferred
	kindClient
)

// node returns the index of the node with id's key, adding it if needed.
// Traces have few nodes, so a linear scan beats hashing a composed key.
func (b *summarizer) node(id ServiceID, kind nodeKind) int {
	for i := range b.nodes {
		n := &b.nodes[i]
		if n.Name == id.Name && n.Type == id.Type && n.AccountID == id.AccountID {
			if kind == kindService {
				// A node some service reports on itself is not inferred,
				// even if a caller's subsegment described it first.
				n.Inferred = false
			}
			return i
		}
	}
	if id.Names == nil {
		b.names = append(b.names, id.Name)
		id.Names = b.names[len(b.names)-1 : len(b.names) : len(b.names)]
	}
	b.nodes = append(b.nodes, Node{ServiceID: id, Inferred: kind == kindInferred, Client: kind == kindClient})
	return len(b.nodes) - 1
}

// nodeObs records d as an observation of node n, unless it is in progress.
func (b *summarizer) nodeObs(n int, d *segment.Document) {
	b.recordHTTP(n, -1, d)
	if !d.InProgress {
		b.obs = append(b.obs, obsRec{node: n, edge: -1, o: b.obs1(d)})
	}
}

// edge records one call from node from to node to, observed through d.
func (b *summarizer) edge(from, to int, d *segment.Document) {
	i := slices.IndexFunc(b.edges, func(e edgeRec) bool { return e.from == from && e.to == to })
	if i < 0 {
		b.edges = append(b.edges, edgeRec{from: from, to: to})
		i = len(b.edges) - 1
	}
	b.recordHTTP(from, i, d)
	if !d.InProgress {
		b.edges[i].obs++
		b.obs = append(b.obs, obsRec{node: from, edge: i, o: b.obs1(d)})
	}
}

// finish lays the recorded edges and observations out into the nodes: one
// array of edges, one of observations, each node and edge a capped window.
func (b *summarizer) finish() {
	counts := make([]int, 2*len(b.nodes)) // per node: edges, then observations
	edgesOf, obsOf := counts[:len(b.nodes)], counts[len(b.nodes):]
	for _, e := range b.edges {
		edgesOf[e.from]++
	}
	for _, r := range b.obs {
		if r.edge < 0 {
			obsOf[r.node]++
		}
	}
	edges := make([]Edge, len(b.edges))
	obs := make([]Observation, len(b.obs))
	for i := range b.nodes {
		n := &b.nodes[i]
		if k := edgesOf[i]; k > 0 {
			n.Edges, edges = edges[:0:k], edges[k:]
		}
		if k := obsOf[i]; k > 0 {
			n.Obs, obs = obs[:0:k], obs[k:]
		}
	}
	for i := range b.edges {
		e := &b.edges[i]
		n := &b.nodes[e.from]
		e.at = len(n.Edges)
		n.Edges = append(n.Edges, Edge{Target: e.to})
		if e.obs > 0 {
			n.Edges[e.at].Obs, obs = obs[:0:e.obs], obs[e.obs:]
		}
	}
	for _, r := range b.obs {
		n := &b.nodes[r.node]
		if r.edge < 0 {
			n.Obs = append(n.Obs, r.o)
			continue
		}
		e := &n.Edges[b.edges[r.edge].at]
		e.Obs = append(e.Obs, r.o)
	}
}

func (b *summarizer) obs1(d *segment.Document) Observation {
	return Observation{Start: d.StartTime, End: d.EndTime, Outcome: outcome(d), Duration: b.dur}
}

// annotate records d's indexable annotations as set by service svc.
func (b *summarizer) annotate(d *segment.Document, svc int) {
	if b.keys == nil {
		b.keys = make([]string, 0, 8)
	}
	keys := b.keys[:0]
	for k := range d.Annotations {
		if segment.AnnotationKeyIndexable(k) {
			keys = append(keys, k)
		}
	}
	// Map order is random; sorting keeps the 50-key cut reproducible.
	slices.Sort(keys)
	b.keys = keys
	s := b.s
	for _, k := range keys {
		vals, seen := s.Annotations[k]
		if !seen && len(s.Annotations) >= MaxAnnotationKeys {
			continue
		}
		i := -1
		var nv AnnotationValue
		switch v := d.Annotations[k].(type) {
		case string:
			i = slices.IndexFunc(vals, func(a AnnotationValue) bool { return a.String != nil && *a.String == v })
			if i < 0 {
				b.strs = grow(b.strs, v)
				nv.String = &b.strs[len(b.strs)-1]
			}
		case float64:
			i = slices.IndexFunc(vals, func(a AnnotationValue) bool { return a.Number != nil && *a.Number == v })
			if i < 0 {
				b.nums = grow(b.nums, v)
				nv.Number = &b.nums[len(b.nums)-1]
			}
		case bool:
			i = slices.IndexFunc(vals, func(a AnnotationValue) bool { return a.Bool != nil && *a.Bool == v })
			if i < 0 {
				b.bools = grow(b.bools, v)
				nv.Bool = &b.bools[len(b.bools)-1]
			}
		default:
			continue // segment.Parse drops other types; be safe with hand-made documents
		}
		if i < 0 {
			// Most keys have one value per trace: start each list as a
			// window of one in a shared array, like addService.
			if vals == nil {
				b.vals = grow(b.vals, nv)
				vals = b.vals[len(b.vals)-1 : len(b.vals) : len(b.vals)]
			} else {
				vals = append(vals, nv)
			}
			i = len(vals) - 1
		}
		if svc >= 0 {
			vals[i].ServiceIDs = b.addService(vals[i].ServiceIDs, svc)
		}
		if s.Annotations == nil {
			s.Annotations = make(map[string][]AnnotationValue)
		}
		s.Annotations[k] = vals
	}
}

// grow appends v to an arena that values elsewhere point into. Pointers to
// earlier elements stay valid when append moves the arena: the old array
// lives on as long as they do.
func grow[T any](arena []T, v T) []T {
	if arena == nil {
		arena = make([]T, 0, 8)
	}
	return append(arena, v)
}

// user records that service svc served user name.
func (b *summarizer) user(name string, svc int) {
	s := b.s
	i := slices.IndexFunc(s.Users, func(u User) bool { return u.Name == name })
	if i < 0 {
		s.Users = append(s.Users, User{Name: name})
		i = len(s.Users) - 1
	}
	s.Users[i].ServiceIDs = b.addService(s.Users[i].ServiceIDs, svc)
}

// addService adds service svc to ids. A list starts as a window of one in
// a shared array (most values and users have one service); a second service
// moves it to its own array.
func (b *summarizer) addService(ids []ServiceID, svc int) []ServiceID {
	n := &b.nodes[svc].ServiceID
	for _, id := range ids {
		if id.Name == n.Name && id.Type == n.Type && id.AccountID == n.AccountID {
			return ids
		}
	}
	if ids == nil {
		b.svcs = grow(b.svcs, *n)
		return b.svcs[len(b.svcs)-1 : len(b.svcs) : len(b.svcs)]
	}
	return append(ids, *n)
}

// addString appends v to a small set kept as a slice.
func addString(set []string, v string) []string {
	if v == "" || slices.Contains(set, v) {
		return set
	}
	return append(set, v)
}
