package rest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/fastjson"
	"github.com/plumbline/plumbline/internal/textdist"
)

// Fields each endpoint reads. Anything else in a request is ignored.
var (
	assetFields = []string{"asset_key", "data_version", "metadata", "description", "partition"}
	checkFields = []string{"asset_key", "check_name", "passed", "severity", "metadata", "partition"}
)

// DecodeReport turns one request into the event to append; exported for the fuzz test and
// for reuse. kind is AssetMaterialization, AssetObservation or AssetCheckEvaluation;
// pathKey is the part of the URL path after the endpoint's name, as the mux decoded it
// (empty when the key is not in the path); maxBody bounds the body both as sent and after
// gzip decoding (DefaultMaxBodyBytes when not positive).
//
// The asset key comes from the path (parts separated by "/", in the string form of keys,
// where `\/` is a slash inside a part; a trailing slash is ignored), else from asset_key in
// the JSON body (a string is one part, as Dagster's AssetKey constructor takes it; a list
// gives the parts), else from the asset_key query parameter (a JSON list, or a key string
// like the path's).
//
// The other fields come from the body, else from the query string: data_version,
// metadata, description and partition for materializations and observations; check_name
// and passed (both required), severity (ERROR unless WARN), metadata and partition for
// checks. In the query string metadata is JSON-encoded and passed is true or false in any
// case; in a JSON body passed is a boolean (or those strings), and text fields are strings
// (a number is taken as written). A JSON null counts as absent. Unknown fields are
// ignored, but a missing required field names a look-alike the request does have.
//
// The body may be empty, JSON, or form fields:
//   - JSON with any application/json type (charset utf-8, +json suffixes), and also with no
//     content type, text/plain, or application/x-www-form-urlencoded (what curl -d sends
//     by default) when it starts with "{"; trailing commas are allowed, since Dagster's own
//     examples have them.
//   - form fields (application/x-www-form-urlencoded not starting with "{"), read like the
//     query string and taking precedence over it: curl -d data_version=v2 works.
//   - Content-Encoding gzip is decoded.
//
// The event returned is normalized (see plumbline.Event.Normalize). Every error is a
// *plumbline.Error: ETOOLARGE for a body over maxBody, EINVALID, naming the problem, for
// anything else.
func DecodeReport(kind plumbline.EventType, pathKey string, r *http.Request, maxBody int64) (plumbline.Event, error) {
	route := ""
	for _, rt := range routes {
		if rt.kind == kind {
			route = rt.path
			break
		}
	}
	if route == "" {
		return plumbline.Event{}, plumbline.Errorf(plumbline.EINVALID, "%s events cannot be reported here", kind)
	}
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	p := params{known: assetFields}
	if kind == plumbline.AssetCheckEvaluation {
		p.known = checkFields
	}
	var err error
	if r.URL != nil {
		if p.query, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			return plumbline.Event{}, plumbline.Errorf(plumbline.EINVALID, "query string is not valid: %v", err)
		}
	}
	body, err := readBody(r, maxBody)
	if err != nil {
		return plumbline.Event{}, err
	}
	if err := p.parseBody(r.Header.Get("Content-Type"), body); err != nil {
		return plumbline.Event{}, err
	}

	e := plumbline.Event{Type: kind}
	if e.AssetKey, err = p.assetKey(pathKey, route); err != nil {
		return plumbline.Event{}, err
	}
	if kind == plumbline.AssetCheckEvaluation {
		if e.CheckName, err = p.text("check_name"); err != nil {
			return plumbline.Event{}, err
		}
		if e.CheckName == "" {
			return plumbline.Event{}, p.missing("check_name", "")
		}
		if e.Passed, err = p.passed(); err != nil {
			return plumbline.Event{}, err
		}
		if e.Passed == nil {
			return plumbline.Event{}, p.missing("passed", " (true or false)")
		}
		if e.Severity, err = p.text("severity"); err != nil {
			return plumbline.Event{}, err
		}
	} else {
		if e.DataVersion, err = p.text("data_version"); err != nil {
			return plumbline.Event{}, err
		}
		if e.Description, err = p.text("description"); err != nil {
			return plumbline.Event{}, err
		}
	}
	if e.Partition, err = p.text("partition"); err != nil {
		return plumbline.Event{}, err
	}
	if e.Metadata, err = p.metadata(); err != nil {
		return plumbline.Event{}, err
	}
	if err := e.Normalize(); err != nil {
		return plumbline.Event{}, err
	}
	return e, nil
}

// readBody reads the body, decoding gzip, within limit bytes both ways.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, tooLarge(limit, "")
	}
	gz := false
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		gz = true
	default:
		return nil, plumbline.Errorf(plumbline.EINVALID, "unsupported content encoding %s: send the body as it is or gzip-compressed", quote(enc))
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(mbe.Limit, "")
		}
		return nil, plumbline.Errorf(plumbline.EINVALID, "could not read the request body: %v", err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(limit, "")
	}
	if !gz || len(data) == 0 {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(zr, limit+1))
	}
	if err != nil {
		return nil, plumbline.Errorf(plumbline.EINVALID, "request body is not valid gzip: %s", strings.TrimPrefix(err.Error(), "gzip: "))
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(limit, " once gzip-decoded")
	}
	return data, nil
}

func tooLarge(limit int64, when string) error {
	return plumbline.Errorf(plumbline.ETOOLARGE, "request body is larger than the limit of %d bytes%s", limit, when)
}

// params are the fields of one request, from its body and its query string.
type params struct {
	body  map[string]json.RawMessage // a JSON body's fields, JSON nulls left out
	form  url.Values                 // a form body's fields
	query url.Values
	known []string // the fields the endpoint reads
}

// parseBody reads the body's fields according to its content type.
func (p *params) parseBody(contentType string, data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil // no body, whatever the content type says
	}
	mediaType, mediaParams := "", map[string]string(nil)
	if contentType != "" {
		var err error
		mediaType, mediaParams, err = mime.ParseMediaType(contentType)
		if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
			return unsupportedType(contentType)
		}
	}
	isJSON := mediaType == "application/json" || mediaType == "text/json" || strings.HasSuffix(mediaType, "+json")
	switch {
	case mediaType == "application/x-www-form-urlencoded" && trimmed[0] != '{':
		form, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return plumbline.Errorf(plumbline.EINVALID, "request body is not valid form data: %v", err)
		}
		p.form = form
		return nil
	case isJSON, mediaType == "", mediaType == "text/plain", mediaType == "application/x-www-form-urlencoded":
		switch cs := strings.ToLower(mediaParams["charset"]); cs {
		case "", "utf-8", "utf8", "us-ascii":
		default:
			return plumbline.Errorf(plumbline.EINVALID, "unsupported charset %s: send JSON as UTF-8", quote(cs))
		}
		fields, err := decodeObject(data, trimmed[0])
		if err != nil {
			return err
		}
		p.body = fields
		return nil
	}
	return unsupportedType(contentType)
}

func unsupportedType(contentType string) error {
	return plumbline.Errorf(plumbline.EINVALID, "unsupported content type %s: send no body, or JSON with Content-Type: application/json", quote(contentType))
}

// decodeObject decodes a JSON object body into its fields, leaving out nulls.
func decodeObject(data []byte, first byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(data) {
		return nil, plumbline.Errorf(plumbline.EINVALID, "request body is not valid UTF-8; send JSON as UTF-8")
	}
	data = blankTrailingCommas(data)
	if first != '{' && json.Valid(data) {
		return nil, plumbline.Errorf(plumbline.EINVALID, "request body must be a JSON object, got %s", fastjson.Kind(data))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, plumbline.Errorf(plumbline.EINVALID, "request body is not valid JSON: %s (line %d, column %d)", se.Error(), line, col)
		}
		return nil, plumbline.Errorf(plumbline.EINVALID, "request body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	for k, v := range fields {
		if string(v) == "null" {
			delete(fields, k)
		}
	}
	return fields, nil
}

// blankTrailingCommas replaces with a space each comma that directly precedes a closing
// brace or bracket, outside strings, so that JSON written with trailing commas parses and
// error offsets still point into the body as sent. It copies data only when it changes it.
func blankTrailingCommas(data []byte) []byte {
	out, copied := data, false
	inString, escaped := false, false
	for i, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ',':
			j := i + 1
			for j < len(data) && isSpace(data[j]) {
				j++
			}
			if j < len(data) && (data[j] == '}' || data[j] == ']') {
				if !copied {
					out, copied = append([]byte(nil), data...), true
				}
				out[i] = ' '
			}
		}
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// position turns the offset of a JSON syntax error (the bytes read when it was found)
// into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	at := int(min(max(offset-1, 0), int64(len(data))))
	before := data[:at]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = at - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// param returns a field given as a string: in a form body, else in the query string.
func (p *params) param(name string) (string, bool) {
	if vs := p.form[name]; len(vs) > 0 {
		return vs[0], true
	}
	if vs := p.query[name]; len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// text returns a text field: a string (or a number, as written) in a JSON body, else a
// form or query parameter; "" when absent.
func (p *params) text(name string) (string, error) {
	if raw, ok := p.body[name]; ok {
		switch c := raw[0]; {
		case c == '"':
			var s string
			_ = json.Unmarshal(raw, &s) // a valid JSON string
			return s, nil
		case c == '-' || c >= '0' && c <= '9':
			return string(raw), nil
		}
		return "", plumbline.Errorf(plumbline.EINVALID, "%s must be a string, got %s", name, fastjson.Kind(raw))
	}
	s, _ := p.param(name)
	return s, nil
}

// passed returns the passed field, nil when absent.
func (p *params) passed() (*bool, error) {
	var s string
	if raw, ok := p.body["passed"]; ok {
		switch raw[0] {
		case '"':
			_ = json.Unmarshal(raw, &s) // a valid JSON string
		case 't', 'f':
			s = string(raw)
		default:
			return nil, plumbline.Errorf(plumbline.EINVALID, "passed must be true or false, got %s", fastjson.Kind(raw))
		}
	} else if s, ok = p.param("passed"); !ok {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return new(true), nil
	case "false":
		return new(false), nil
	}
	return nil, plumbline.Errorf(plumbline.EINVALID, "passed must be true or false, got %s", quote(s))
}

// metadata returns the metadata: a JSON object in the body, or JSON-encoded in a
// parameter.
func (p *params) metadata() (plumbline.Metadata, error) {
	if raw, ok := p.body["metadata"]; ok {
		return plumbline.DecodeMetadata(raw)
	}
	if s, ok := p.param("metadata"); ok {
		return plumbline.DecodeMetadata([]byte(s))
	}
	return nil, nil
}

// assetKey returns the key from the path, else the body, else the query string.
func (p *params) assetKey(pathKey, route string) (plumbline.AssetKey, error) {
	var (
		k   plumbline.AssetKey
		err error
	)
	if s := trimSlash(pathKey); s != "" {
		k, err = plumbline.ParseAssetKey(s)
	} else if raw, ok := p.body["asset_key"]; ok {
		switch raw[0] {
		case '"':
			var s string
			_ = json.Unmarshal(raw, &s) // a valid JSON string
			k = plumbline.AssetKey{s}
		case '[':
			if json.Unmarshal(raw, &k) != nil {
				err = plumbline.Errorf(plumbline.EINVALID, "asset_key must be a string or a list of strings")
			}
		default:
			err = plumbline.Errorf(plumbline.EINVALID, "asset_key must be a string or a list of strings, got %s", fastjson.Kind(raw))
		}
	} else if s, ok := p.param("asset_key"); ok {
		if strings.HasPrefix(s, "[") {
			if json.Unmarshal([]byte(s), &k) != nil {
				err = plumbline.Errorf(plumbline.EINVALID, "asset_key query parameter must be a JSON list of strings or a key like a/b")
			}
		} else if s = trimSlash(s); s != "" {
			k, err = plumbline.ParseAssetKey(s)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(k) == 0 || len(k) == 1 && k[0] == "" {
		return nil, plumbline.Errorf(plumbline.EINVALID,
			"empty asset key: give it in the URL path after %s/, as asset_key in the JSON body, or as the asset_key query parameter", route)
	}
	return k, k.Validate()
}

// trimSlash drops one trailing "/" unless it is escaped (`\/`, a slash inside a part).
func trimSlash(s string) string {
	if !strings.HasSuffix(s, "/") {
		return s
	}
	backslashes := 0
	for i := len(s) - 2; i >= 0 && s[i] == '\\'; i-- {
		backslashes++
	}
	if backslashes%2 == 1 {
		return s
	}
	return s[:len(s)-1]
}

// missing reports a missing required field, naming a look-alike field the request has.
func (p *params) missing(field, what string) error {
	if near := p.lookalike(field); near != "" {
		return plumbline.Errorf(plumbline.EINVALID, "missing required parameter %q%s; did you mean %q instead of %s?", field, what, field, quote(near))
	}
	return plumbline.Errorf(plumbline.EINVALID, "missing required parameter %q%s", field, what)
}

// lookalike returns a name in the request, not one the endpoint reads, that looks like a
// misspelling of field: the same once case, "_" and "-" are ignored, one containing the
// other, or one edit apart (two for long names).
func (p *params) lookalike(field string) string {
	var names []string
	for k := range p.body {
		names = append(names, k)
	}
	for _, vs := range []url.Values{p.form, p.query} {
		for k := range vs {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	want := fold(field)
	for _, name := range names {
		if len(name) > 64 || slices.Contains(p.known, name) {
			continue
		}
		got := fold(name)
		if got == "" {
			continue
		}
		edits := 1
		if len(want) >= 8 {
			edits = 2
		}
		if got == want || len(got) >= 4 && strings.Contains(want, got) || strings.Contains(got, want) || textdist.Distance(got, want) <= edits {
			return name
		}
	}
	return ""
}

func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// quote quotes a value from the request for a message, shortened if long.
func quote(s string) string {
	const limit = 40
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
