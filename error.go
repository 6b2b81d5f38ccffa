package plumbline

import (
	"errors"
	"fmt"
)

// Error codes. Adapters map them to HTTP statuses and GraphQL extensions.code in one table
// each; a code's message is safe to show to users.
const (
	EINVALID      = "invalid"      // bad input from the caller
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	ECONFLICT     = "conflict"     // the request contradicts the current state
	EUNAUTHORIZED = "unauthorized" // missing or bad credentials
	ETOOLARGE     = "too_large"    // a request or a batch over its limit
	EUNAVAILABLE  = "unavailable"  // shutting down or a dependency is down; try again
	EINTERNAL     = "internal"     // everything else: logged in full, shown as "internal error"
)

// Error is the one error type of the domain: a code and a message written for users.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of its *Error, or
// "internal error" for anything else, so that no internal detail reaches a client.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
