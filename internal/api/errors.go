package api

import (
	"fmt"
	"net/http"
)

// Error is an X-Ray error: its Code goes to the x-amzn-ErrorType header and
// the body's __type, Status is the HTTP status. Handlers return *Error for
// anything the caller did wrong; any other error is a server failure.
type Error struct {
	Code    string
	Status  int
	Message string
	// ResourceName is the ARN a ResourceNotFoundException or
	// TooManyTagsException is about.
	ResourceName string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes Lightbox returns.
const (
	CodeInvalidRequest     = "InvalidRequestException"
	CodeUnknownOperation   = "UnknownOperationException"
	CodeInternalFailure    = "InternalFailure"
	CodeServiceUnavailable = "ServiceUnavailableException"
	CodeRuleLimitExceeded  = "RuleLimitExceededException"
	CodeResourceNotFound   = "ResourceNotFoundException"
	CodeTooManyTags        = "TooManyTagsException"
)

func invalidRequest(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidRequest, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// notSupportedYet is the answer for operations and request members
// Lightbox does not implement: an explicit error, never a silently wrong
// result.
func notSupportedYet(format string, args ...any) *Error {
	return invalidRequest(format, args...)
}
