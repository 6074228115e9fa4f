package segment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode"
)

// MaxDocumentSize is X-Ray's limit on one segment document, in bytes.
const MaxDocumentSize = 64 * 1024

// MaxNameLength is X-Ray's limit on a segment name, in characters.
const MaxNameLength = 200

// Rejection codes. They are the reasons the daemon counts drops by and the
// ErrorCode of PutTraceSegments' UnprocessedTraceSegments.
const (
	CodeTooLarge       = "DocumentTooLarge"
	CodeInvalidJSON    = "InvalidJSON"
	CodeMissingField   = "MissingField"
	CodeInvalidTraceID = "InvalidTraceId"
	CodeInvalidID      = "InvalidId"
	CodeInvalidName    = "InvalidName"
	CodeInvalidTime    = "InvalidTime"
	CodeInvalidSegment = "InvalidSegment"
)

// Codes lists every rejection code, for metrics that show each reason from
// the start.
func Codes() []string {
	return []string{CodeTooLarge, CodeInvalidJSON, CodeMissingField, CodeInvalidTraceID,
		CodeInvalidID, CodeInvalidName, CodeInvalidTime, CodeInvalidSegment}
}

// Error says why a document was rejected. Code is one of the Code*
// constants; Message names the field and the problem.
type Error struct {
	Code    string
	ID      string // the document's id when it could be read
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func reject(code, id, format string, args ...any) *Error {
	return &Error{Code: code, ID: id, Message: fmt.Sprintf(format, args...)}
}

// Parse decodes and validates one segment document: a segment, an
// independent subsegment, or a JSON array of independent subsegments. The
// returned documents share raw (each element of an array gets its own
// slice of it). A rejected document returns an *Error.
func Parse(raw []byte) ([]*Document, error) {
	if len(raw) > MaxDocumentSize {
		return nil, reject(CodeTooLarge, "", "document is %d bytes; the limit is %d", len(raw), MaxDocumentSize)
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return nil, reject(CodeInvalidJSON, "", "document is empty")
	}
	if trimmed[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return nil, reject(CodeInvalidJSON, "", "document is not valid JSON: %v", err)
		}
		if len(elems) == 0 {
			return nil, reject(CodeInvalidSegment, "", "document is an empty array")
		}
		docs := make([]*Document, 0, len(elems))
		for i, e := range elems {
			d, err := parseOne(e)
			if err != nil {
				err.Message = fmt.Sprintf("array element %d: %s", i, err.Message)
				return nil, err
			}
			if !d.IsIndependentSubsegment() {
				return nil, reject(CodeInvalidSegment, d.ID, "array element %d: an array may hold only subsegments (type \"subsegment\")", i)
			}
			docs = append(docs, d)
		}
		return docs, nil
	}
	d, err := parseOne(trimmed)
	if err != nil {
		return nil, err
	}
	return []*Document{d}, nil
}

func parseOne(raw []byte) (*Document, *Error) {
	d := new(Document)
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, reject(CodeInvalidJSON, "", "document is not a valid segment: %v", err)
	}
	d.Raw = raw
	if err := d.validateTop(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Document) validateTop() *Error {
	if d.TraceID == "" {
		return reject(CodeMissingField, d.ID, "trace_id is missing")
	}
	lower := strings.ToLower(d.TraceID)
	if _, err := ParseTraceID(lower); err != nil {
		return reject(CodeInvalidTraceID, d.ID, "%v", err)
	}
	d.TraceID = lower
	if d.IsIndependentSubsegment() {
		if d.ParentID == "" {
			return reject(CodeMissingField, d.ID, "parent_id is missing on an independent subsegment")
		}
	} else if d.Type != "" {
		return reject(CodeInvalidSegment, d.ID, "type %q is not valid; only \"subsegment\" is", d.Type)
	} else if err := validateSegmentName(d.Name); err != nil {
		return reject(CodeInvalidName, d.ID, "%v", err)
	}
	if d.ParentID != "" {
		if _, err := ParseSegmentID(strings.ToLower(d.ParentID)); err != nil {
			return reject(CodeInvalidID, d.ID, "parent_id: %v", err)
		}
		d.ParentID = strings.ToLower(d.ParentID)
	}
	return d.validateEntity("")
}

// validateEntity checks what every segment and subsegment needs, then
// recurses into embedded subsegments. path locates d in error messages.
func (d *Document) validateEntity(path string) *Error {
	where := func() string {
		if path == "" {
			return ""
		}
		return path + ": "
	}
	if d.ID == "" {
		return reject(CodeMissingField, "", "%sid is missing", where())
	}
	if _, err := ParseSegmentID(d.ID); err != nil {
		return reject(CodeInvalidID, d.ID, "%sid: %v", where(), err)
	}
	d.ID = strings.ToLower(d.ID)
	if d.Name == "" {
		return reject(CodeMissingField, d.ID, "%sname is missing", where())
	}
	if n := len([]rune(d.Name)); n > MaxNameLength {
		return reject(CodeInvalidName, d.ID, "%sname is %d characters; the limit is %d", where(), n, MaxNameLength)
	}
	if d.StartTime <= 0 || math.IsInf(d.StartTime, 0) {
		return reject(CodeMissingField, d.ID, "%sstart_time is missing or not a positive number", where())
	}
	switch {
	case d.InProgress && d.EndTime != 0:
		return reject(CodeInvalidTime, d.ID, "%sin_progress is true but end_time is set", where())
	case !d.InProgress && d.EndTime == 0:
		return reject(CodeMissingField, d.ID, "%send_time is missing and in_progress is not true", where())
	case !d.InProgress && d.EndTime < d.StartTime:
		return reject(CodeInvalidTime, d.ID, "%send_time %.6f is before start_time %.6f", where(), d.EndTime, d.StartTime)
	}
	d.cleanAnnotations()
	for i, s := range d.Subsegments {
		if s == nil {
			return reject(CodeInvalidSegment, d.ID, "%ssubsegments[%d] is null", where(), i)
		}
		child := fmt.Sprintf("subsegments[%d]", i)
		if path != "" {
			child = path + "." + child
		}
		if err := s.validateEntity(child); err != nil {
			return err
		}
	}
	return nil
}

// cleanAnnotations drops annotation values X-Ray does not accept (null,
// objects, arrays), as X-Ray does, instead of rejecting the document.
func (d *Document) cleanAnnotations() {
	for k, v := range d.Annotations {
		switch v.(type) {
		case string, float64, bool:
		default:
			delete(d.Annotations, k)
		}
	}
}

// validateSegmentName applies X-Ray's segment-name rule: Unicode letters,
// digits, whitespace and _ . : / % & # = + \ - @. Subsegment names are only
// length-checked, because real SDKs put arbitrary text there.
func validateSegmentName(name string) error {
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune(`_.:/%&#=+\-@`, r) {
			continue
		}
		return fmt.Errorf("name %q contains %q; segment names may hold letters, digits, whitespace and _ . : / %% & # = + \\ - @", name, r)
	}
	return nil
}

// AnnotationKeyIndexable reports whether an annotation key can be used in
// filter expressions ([A-Za-z0-9_]+).
func AnnotationKeyIndexable(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
