package filterexpr

// Expr is a parsed filter expression. The concrete types are *And, *Or,
// *Not, *Compare, *Bare, *Service, *Edge, *Group, *RootCause and
// *RootCauseJSON; an evaluator switches on them. Nodes carry no source
// positions, so two parses of equivalent text compare equal with
// reflect.DeepEqual; every position-dependent check happens in Parse.
type Expr interface {
	// String prints the expression in canonical form; Parse of that text
	// yields an equal tree.
	String() string
	exprNode()
}

// And is true when every term is. Terms has at least two elements and no
// element is itself an *And: the parser flattens "a AND (b AND c)".
type And struct{ Terms []Expr }

// Or is true when any term is. Terms has at least two elements and no
// element is itself an *Or.
type Or struct{ Terms []Expr }

// Not negates X. "!" and "NOT" both parse to it.
type Not struct{ X Expr }

// Compare tests a field against a literal: responsetime > 5,
// annotation.gameid = "817DL6VO". For a keyword the literal's type is the
// keyword's type and Op applies to it (checked by Parse). For an annotation
// the literal's type picks the operators; at evaluation a value of another
// type never matches, and with several values in a trace one matching
// value is enough. A field that is not set satisfies no comparison, not
// even !=.
type Compare struct {
	Field Field
	Op    Op
	Value Value
}

// Bare is a field written alone. A boolean keyword (ok, fault, root, …) is
// true when the keyword is true. A string keyword (user, http.url, …) is
// true when the field is set on the trace (or node, or root-cause element).
// An annotation is true when it is set, except that a boolean annotation
// evaluates to its value. "!x" is Not{Bare{x}}: false, or not set.
type Bare struct{ Field Field }

// Service matches a trace with a node that Node selects (any node when
// Node is nil) and, when Block is not nil, for which Block is true.
// Block is evaluated against the node: its keywords (fault, responsetime,
// name, root, …) read the node's statistics and fields.
type Service struct {
	Node  *NodeRef
	Block Expr
}

// Edge matches a trace with a call from a node From selects to a node To
// selects and, when Block is not nil, for which Block is true. Block reads
// the edge (the caller's view of the call).
type Edge struct {
	From, To NodeRef
	Block    Expr
}

// NodeRef selects service-graph nodes. A nil field matches anything; at
// least one field is set. service("n") and service(id(name: "n")) are the
// same NodeRef.
type NodeRef struct {
	Name      *string
	Type      *string
	AccountID *string
}

// Group is group.name = "x" or group.arn = "arn:…": true when the trace
// matches that group's filter expression. Parse does not look groups up;
// ResolveGroups replaces these nodes once groups are known.
type Group struct {
	ByARN bool
	Value string
}

// RootCause matches a trace having a root cause of kind Kind with an
// element at level Level for which Block is true. Block is evaluated per
// element of the root cause's list at that level (services, entities of
// the entity paths, or exceptions), so index/first/last refer to that list.
type RootCause struct {
	Kind  RootCauseKind
	Level RootCauseLevel
	Block Expr
}

// RootCauseJSON is rootcause.json = #[…]: true when every pattern matches
// at least one of the trace's root causes (fault, error or response time).
// See RootCausePattern for how one pattern matches.
type RootCauseJSON struct{ Patterns []RootCausePattern }

func (*And) exprNode()           {}
func (*Or) exprNode()            {}
func (*Not) exprNode()           {}
func (*Compare) exprNode()       {}
func (*Bare) exprNode()          {}
func (*Service) exprNode()       {}
func (*Edge) exprNode()          {}
func (*Group) exprNode()         {}
func (*RootCause) exprNode()     {}
func (*RootCauseJSON) exprNode() {}

// Field is what a comparison or a bare test reads: a keyword, or an
// annotation when Keyword is KwAnnotation.
type Field struct {
	Keyword    Keyword
	Annotation string // the annotation key; set only when Keyword is KwAnnotation
}

// ValueType is the type of a keyword or a literal.
type ValueType uint8

const (
	TypeBool ValueType = iota + 1
	TypeNumber
	TypeString
)

func (t ValueType) String() string {
	switch t {
	case TypeBool:
		return "boolean"
	case TypeNumber:
		return "number"
	case TypeString:
		return "string"
	}
	return "any"
}

// Value is a typed literal. Only the member Type names is meaningful.
type Value struct {
	Type ValueType
	Bool bool
	Num  float64
	Str  string
}

// Op is a comparison operator.
type Op uint8

const (
	OpEq Op = iota + 1
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpContains
	OpBeginsWith
	OpEndsWith
)

var opNames = [...]string{OpEq: "=", OpNe: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpContains: "CONTAINS", OpBeginsWith: "BEGINSWITH", OpEndsWith: "ENDSWITH"}

func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "Op(?)"
}

// appliesTo reports whether o compares values of type t: booleans take
// = and !=, numbers the six orderings, strings equality and the three
// substring operators.
func (o Op) appliesTo(t ValueType) bool {
	switch t {
	case TypeBool:
		return o == OpEq || o == OpNe
	case TypeNumber:
		return o >= OpEq && o <= OpGe
	case TypeString:
		return o == OpEq || o == OpNe || o >= OpContains
	}
	return false
}

// RootCauseKind is the list of root causes a rootcause block searches.
type RootCauseKind uint8

const (
	RootCauseFault RootCauseKind = iota + 1
	RootCauseError
	RootCauseResponseTime
)

func (k RootCauseKind) String() string {
	switch k {
	case RootCauseFault:
		return "fault"
	case RootCauseError:
		return "error"
	case RootCauseResponseTime:
		return "responsetime"
	}
	return "RootCauseKind(?)"
}

// RootCauseLevel is the list a rootcause block's elements come from.
type RootCauseLevel uint8

const (
	LevelService   RootCauseLevel = iota + 1 // the root cause's Services
	LevelEntity                              // the entities of the services' EntityPaths
	LevelException                           // the exceptions of those entities (fault and error only)
)

func (l RootCauseLevel) String() string {
	switch l {
	case LevelService:
		return "service"
	case LevelEntity:
		return "entity"
	case LevelException:
		return "exception"
	}
	return "RootCauseLevel(?)"
}
