// Package apierr maps the domain's error codes to HTTP statuses and GraphQL
// extensions.code, in one table, for every adapter — and back again, for the client.
package apierr

import (
	"context"
	"errors"
	"net/http"

	"github.com/plumbline/plumbline"
)

type mapping struct {
	status int
	code   string
}

var table = map[string]mapping{
	plumbline.EINVALID:      {http.StatusBadRequest, "BAD_USER_INPUT"},
	plumbline.ENOTFOUND:     {http.StatusNotFound, "NOT_FOUND"},
	plumbline.ECONFLICT:     {http.StatusConflict, "CONFLICT"},
	plumbline.EUNAUTHORIZED: {http.StatusUnauthorized, "UNAUTHENTICATED"},
	plumbline.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE"},
	plumbline.EUNAVAILABLE:  {http.StatusServiceUnavailable, "UNAVAILABLE"},
	plumbline.EINTERNAL:     {http.StatusInternalServerError, "INTERNAL_SERVER_ERROR"},
}

// Normalize turns the errors of a request that went away into EUNAVAILABLE, and leaves
// others as they are.
func Normalize(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return plumbline.Errorf(plumbline.EUNAVAILABLE, "the request was cancelled or timed out")
	}
	return err
}

// HTTPStatus returns the HTTP status for err.
func HTTPStatus(err error) int {
	return lookup(err).status
}

// GraphQLCode returns the GraphQL extensions.code for err.
func GraphQLCode(err error) string {
	return lookup(err).code
}

// Internal reports whether err is not a domain error, so its details must be logged and
// hidden from the client.
func Internal(err error) bool {
	return plumbline.ErrorCode(Normalize(err)) == plumbline.EINTERNAL
}

// CodeForHTTPStatus returns the domain error code an HTTP error status stands for, reading
// the table backwards (400 is EINVALID, 404 ENOTFOUND, …). A status the table does not
// hold maps to the nearest code: 403 to EUNAUTHORIZED, any other 4xx to EINVALID, 502 and
// 504 (a proxy that could not reach the server) to EUNAVAILABLE, anything else to
// EINTERNAL.
func CodeForHTTPStatus(status int) string {
	if code, ok := byStatus[status]; ok {
		return code
	}
	switch {
	case status == http.StatusForbidden:
		return plumbline.EUNAUTHORIZED
	case status >= 400 && status < 500:
		return plumbline.EINVALID
	case status == http.StatusBadGateway || status == http.StatusGatewayTimeout:
		return plumbline.EUNAVAILABLE
	}
	return plumbline.EINTERNAL
}

// CodeForGraphQL returns the domain error code a GraphQL extensions.code stands for,
// reading the table backwards. gqlgen's own GRAPHQL_PARSE_FAILED and
// GRAPHQL_VALIDATION_FAILED (a query that does not fit the schema) are EINVALID. ok is
// false for any other code.
func CodeForGraphQL(code string) (_ string, ok bool) {
	switch code {
	case "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED":
		return plumbline.EINVALID, true
	}
	c, ok := byGraphQLCode[code]
	return c, ok
}

// byStatus and byGraphQLCode invert table.
var byStatus, byGraphQLCode = func() (map[int]string, map[string]string) {
	s, g := make(map[int]string, len(table)), make(map[string]string, len(table))
	for code, m := range table {
		s[m.status], g[m.code] = code, code
	}
	return s, g
}()

func lookup(err error) mapping {
	if m, ok := table[plumbline.ErrorCode(Normalize(err))]; ok {
		return m
	}
	return table[plumbline.EINTERNAL]
}
