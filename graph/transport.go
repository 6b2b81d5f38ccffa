package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/plumbline/plumbline/internal/fastjson"
)

// postTransport is gqlgen's POST transport (transport.POST with its defaults: bodies of
// Content-Type application/json), doing the JSON both ways without encoding/json's
// reflection: it accepts the same requests and writes the same bytes, headers and status
// codes (transport_test.go compares the two), but it decodes a 1,000-event reportEvents body
// in a third of the time, and it writes a response's data — 4.6 MB for a page of 10,000
// assets — straight to the connection, where transport.POST passes it through
// json.Marshal, which scans and copies it again. Anything unusual in a body (a type
// error, a field named in another case, a repeated field, invalid JSON) goes through
// encoding/json, so errors are gqlgen's own.
type postTransport struct{}

var _ graphql.Transport = postTransport{}

// Content types of responses, as gqlgen's transports choose them.
const (
	contentTypeJSON            = "application/json"
	contentTypeGraphQLResponse = "application/graphql-response+json"
)

func (postTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return false
	}
	return r.Method == http.MethodPost && mediaType == "application/json"
}

func (postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseContentType(r)
	w.Header().Add("Content-Type", contentType)
	params := &graphql.RawParams{}
	start := graphql.Now()

	body, err := readBody(r)
	if err != nil {
		gqlErr := gqlerror.Errorf("could not read request body: %+v", err)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlErr}))
		return
	}
	if err := decodeParams(body, params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		gqlErr := gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, string(body))
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlErr}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		w.WriteHeader(statusFor(contentType, opErr))
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// readBody is io.ReadAll(r.Body), starting with a buffer of the announced length: a
// 1,000-event reportEvents body is 340 KB, which io.ReadAll reaches by growing its buffer a
// dozen times.
func readBody(r *http.Request) ([]byte, error) {
	size := int64(512)
	if r.ContentLength > 0 && r.ContentLength < maxPresized {
		size = r.ContentLength + 1 // + 1: room for the read that returns io.EOF
	}
	b := make([]byte, 0, size)
	for {
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// maxPresized bounds the buffer allocated from a request's announced length.
const maxPresized = 256 << 20

// responseContentType chooses the response's content type from the Accept header, as
// gqlgen's transports do by default.
func responseContentType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return contentTypeJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", "application/json":
			return contentTypeJSON
		case contentTypeGraphQLResponse:
			return contentTypeGraphQLResponse
		}
	}
	return contentTypeGraphQLResponse
}

// statusFor is the status of a request that could not be run: 422 (application/json) or
// 400 (application/graphql-response+json) for a protocol error, else 200.
func statusFor(contentType string, errs gqlerror.List) int {
	if errcode.GetErrorKind(errs) != errcode.KindProtocol {
		return http.StatusOK
	}
	if contentType == contentTypeGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// decodeParams decodes a request body as encoding/json decodes it into params (with
// UseNumber): the fields query, operationName, variables and extensions, others ignored.
// A body it does not read itself — not a single valid JSON object, a field named in
// another case or more than once, a field of the wrong type — it leaves to encoding/json.
func decodeParams(body []byte, params *graphql.RawParams) error {
	if !decodeParamsFast(body, params) {
		*params = graphql.RawParams{}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		return dec.Decode(params)
	}
	return nil
}

func decodeParamsFast(body []byte, params *graphql.RawParams) bool {
	var d fastjson.Decoder
	i := fastjson.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	var seen [4]bool
	i = fastjson.SkipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return fastjson.SkipSpace(body, i+1) == len(body)
	}
	for {
		if i >= len(body) || body[i] != '"' {
			return false
		}
		key, end, ok := d.String(body, i)
		if !ok {
			return false
		}
		i = fastjson.SkipSpace(body, end)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		v, end, ok := d.Value(body, i+1)
		if !ok {
			return false
		}
		field := -1
		switch key {
		case "query":
			field = 0
		case "operationName":
			field = 1
		case "variables":
			field = 2
		case "extensions":
			field = 3
		default:
			if !plainFieldName(key) {
				return false // encoding/json might match it to a field, ignoring case
			}
		}
		if field >= 0 {
			if seen[field] {
				return false // encoding/json merges repeated objects into one map
			}
			seen[field] = true
			switch x := v.(type) {
			case nil: // leaves the field as it is
			case string:
				switch field {
				case 0:
					params.Query = x
				case 1:
					params.OperationName = x
				default:
					return false
				}
			case map[string]any:
				switch field {
				case 2:
					params.Variables = x
				case 3:
					params.Extensions = x
				default:
					return false
				}
			default:
				return false
			}
		}
		i = fastjson.SkipSpace(body, end)
		if i >= len(body) {
			return false
		}
		switch body[i] {
		case ',':
			i = fastjson.SkipSpace(body, i+1)
		case '}':
			return fastjson.SkipSpace(body, i+1) == len(body)
		default:
			return false
		}
	}
}

// plainFieldName reports whether key is surely none of the four fields to encoding/json,
// which matches field names ignoring case (with Unicode's simple folding).
func plainFieldName(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return false
		}
	}
	for _, f := range []string{"query", "operationName", "variables", "extensions"} {
		if strings.EqualFold(key, f) {
			return false
		}
	}
	return true
}

// writeResponse writes what json.Marshal(resp) would: a response of data alone is
// written directly — compacted and HTML-escaped as json.Marshal does it, in one pass
// over the bytes instead of a scan and two copies — any other through json.Marshal.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if len(resp.Errors) > 0 || resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0 {
		b, err := json.Marshal(resp)
		if err != nil {
			panic(fmt.Errorf("unable to marshal %s: %w", string(resp.Data), err))
		}
		_, _ = w.Write(b)
		return
	}
	if resp.Data == nil {
		_, _ = io.WriteString(w, `{"data":null}`)
		return
	}
	// resp.Data is valid JSON: gqlgen's marshalers write it.
	if _, err := io.WriteString(w, `{"data":`); err != nil {
		return
	}
	if fastjson.WriteCompactHTMLEscaped(w, resp.Data) != nil {
		return
	}
	_, _ = io.WriteString(w, "}")
}
