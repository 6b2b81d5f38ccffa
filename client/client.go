// Package client talks to a Plumbline server: it reports events through the
// Dagster-compatible REST endpoints, and reports batches, applies definitions and runs any
// query through GraphQL. The plumbline command line uses it, and so can any Go program:
//
//	c := client.New("http://localhost:3000", client.WithToken(os.Getenv("PLUMBLINE_TOKEN")))
//	id, err := c.ReportMaterialization(ctx, plumbline.MustParseAssetKey("warehouse/orders"), client.Report{
//		DataVersion: "v42",
//		Metadata:    plumbline.Metadata{client.Int("rows", 1200), client.URL("dashboard", "https://bi.example.com/orders")},
//	})
//
// Metadata travels in the typed wire form {"raw_value": V, "type": T}, so every value keeps
// its type: an int stays an int and a float a float, even 3.0.
//
// # Errors
//
// When the server answers with an error, the method returns a *plumbline.Error whose Code
// is recovered from the HTTP status (REST) or from extensions.code (GraphQL), and whose
// Message is the server's, word for word; plumbline.ErrorCode reads the code. Input the
// client can tell is wrong without asking (an empty asset key, metadata that is not JSON)
// is reported the same way, as EINVALID, before anything is sent. When no answer arrives
// (the server is down, the connection broke, ctx ended) the error is a *TransportError,
// which reads like
//
//	plumbline: POST http://localhost:3000/graphql: dial tcp [::1]:3000: connect: connection refused
//
// and unwraps to the cause, so errors.Is(err, context.DeadlineExceeded) works.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/apierr"
)

// DefaultUserAgent is the User-Agent the client sends unless WithUserAgent says otherwise.
const DefaultUserAgent = "plumbline-go-client"

// Client is a connection to one Plumbline server. It is safe for concurrent use.
type Client struct {
	base  string // the server's URL, without a trailing slash
	token string
	user  string
	hc    *http.Client
	ua    string
}

// Option configures a Client.
type Option func(*Client)

// WithToken sends token as a bearer token (Authorization: Bearer …) with every request.
// An empty token sends none.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient sends requests with hc instead of a client of the client's own (which has
// no timeout of its own: requests are bounded by their context).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// UserHeader is the request header that names who makes a request (WithUser).
const UserHeader = "X-Plumbline-User"

// WithUser names who makes the requests, e.g. "alice@laptop": the server records it as
// who launched or cancelled a run. It is attribution, not authentication.
func WithUser(who string) Option { return func(c *Client) { c.user = who } }

// WithUserAgent sets the User-Agent header; the default is DefaultUserAgent.
func WithUserAgent(ua string) Option { return func(c *Client) { c.ua = ua } }

// New returns a client of the server at baseURL, e.g. "http://localhost:3000" (a path
// prefix is kept, for a server behind a proxy; a URL with no scheme gets http://).
// New does not contact the server.
func New(baseURL string, opts ...Option) *Client {
	base := strings.TrimSpace(baseURL)
	if base != "" && !strings.Contains(base, "://") {
		base = "http://" + base
	}
	c := &Client{base: strings.TrimRight(base, "/"), hc: &http.Client{}, ua: DefaultUserAgent}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	return c
}

// URL returns the server's URL as the client uses it.
func (c *Client) URL() string { return c.base }

// TransportError is a request that got no answer: the server could not be reached, the
// connection broke, the answer could not be read, or the request's context ended.
type TransportError struct {
	Method string // e.g. "POST"
	URL    string // the URL requested
	Err    error  // the cause
}

func (e *TransportError) Error() string {
	return "plumbline: " + e.Method + " " + e.URL + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// Report is what a materialization or an observation says about an asset. Every field is
// optional.
type Report struct {
	DataVersion string
	Partition   string
	Description string
	Metadata    plumbline.Metadata
}

// CheckResult is the outcome of one evaluation of a data-quality check.
type CheckResult struct {
	Name      string // the check's name; required
	Passed    bool
	Severity  string // WARN or ERROR (the default when empty): how bad a failure is
	Partition string
	Metadata  plumbline.Metadata
}

// ReportMaterialization records that the asset was built (POST
// /report_asset_materialization/{key}) and returns the event's storage id, or 0 from a
// server that does not give it (dagster-webserver answers {}). Returns EINVALID for an
// invalid key or metadata.
func (c *Client) ReportMaterialization(ctx context.Context, key plumbline.AssetKey, r Report) (int64, error) {
	return c.report(ctx, "/report_asset_materialization", key, r)
}

// ReportObservation records what was seen of the asset without building it (POST
// /report_asset_observation/{key}), e.g. a source table's row count, and returns the
// event's storage id as ReportMaterialization does.
func (c *Client) ReportObservation(ctx context.Context, key plumbline.AssetKey, r Report) (int64, error) {
	return c.report(ctx, "/report_asset_observation", key, r)
}

// ReportCheck records the result of a check on the asset (POST /report_asset_check/{key})
// and returns the event's storage id as ReportMaterialization does. Returns EINVALID for
// an invalid key, an empty check name, a severity other than WARN or ERROR, or invalid
// metadata.
func (c *Client) ReportCheck(ctx context.Context, key plumbline.AssetKey, r CheckResult) (int64, error) {
	e := plumbline.Event{
		Type: plumbline.AssetCheckEvaluation, AssetKey: key, CheckName: r.Name,
		Passed: &r.Passed, Severity: r.Severity, Partition: r.Partition,
	}
	if err := e.Normalize(); err != nil {
		return 0, err
	}
	md, err := encodeMetadata(r.Metadata)
	if err != nil {
		return 0, err
	}
	path, bodyKey := reportPath("/report_asset_check", key)
	return c.post(ctx, path, checkBody{
		AssetKey: bodyKey, CheckName: e.CheckName, Passed: r.Passed, Severity: e.Severity, Partition: r.Partition, Metadata: md,
	})
}

func (c *Client) report(ctx context.Context, endpoint string, key plumbline.AssetKey, r Report) (int64, error) {
	if err := key.Validate(); err != nil {
		return 0, err
	}
	md, err := encodeMetadata(r.Metadata)
	if err != nil {
		return 0, err
	}
	path, bodyKey := reportPath(endpoint, key)
	return c.post(ctx, path, reportBody{
		AssetKey: bodyKey, DataVersion: r.DataVersion, Description: r.Description, Partition: r.Partition, Metadata: md,
	})
}

// The REST bodies, with the field names of dagster-webserver.
type (
	reportBody struct {
		AssetKey    []string        `json:"asset_key,omitempty"`
		DataVersion string          `json:"data_version,omitempty"`
		Description string          `json:"description,omitempty"`
		Partition   string          `json:"partition,omitempty"`
		Metadata    json.RawMessage `json:"metadata,omitempty"`
	}
	checkBody struct {
		AssetKey  []string        `json:"asset_key,omitempty"`
		CheckName string          `json:"check_name"`
		Passed    bool            `json:"passed"`
		Severity  string          `json:"severity,omitempty"`
		Partition string          `json:"partition,omitempty"`
		Metadata  json.RawMessage `json:"metadata,omitempty"`
	}
)

// reportPath returns the URL path of a report about key to endpoint: the key goes in the
// path, in its string form with each part percent-escaped, so that the server's router
// hands back exactly the string form. A part "." or ".." cannot go in a URL path (it would
// be resolved away), so a key holding one goes in the body's asset_key instead: bodyKey.
func reportPath(endpoint string, key plumbline.AssetKey) (path string, bodyKey []string) {
	var b strings.Builder
	b.WriteString(endpoint)
	for _, part := range key {
		if part == "." || part == ".." {
			return endpoint, key
		}
		b.WriteByte('/')
		b.WriteString(pathEscape(plumbline.AssetKey{part}.String()))
	}
	return b.String(), nil
}

// post sends a REST report and returns the storage id of the event it recorded.
func (c *Client) post(ctx context.Context, path string, body any) (int64, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("plumbline: encode report: %w", err)
	}
	resp, err := c.do(ctx, http.MethodPost, path, data)
	if err != nil {
		return 0, err
	}
	if resp.status != http.StatusOK {
		return 0, resp.restError()
	}
	var ok200 struct {
		StorageID json.RawMessage `json:"storageId"`
	}
	if err := json.Unmarshal(resp.body, &ok200); err != nil {
		return 0, resp.unexpected("not a JSON object")
	}
	if len(ok200.StorageID) == 0 || string(ok200.StorageID) == "null" {
		return 0, nil
	}
	id, err := parseID(ok200.StorageID)
	if err != nil {
		return 0, resp.unexpected("storageId " + string(ok200.StorageID) + " is not a storage id")
	}
	return id, nil
}

// pathEscape percent-escapes every byte that is not unreserved in a URL (RFC 3986),
// including "/".
func pathEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// ReportEvents appends a batch of events through GraphQL's reportEvents, atomically: all
// are recorded or none is. It returns their storage ids, in order. Types a client may
// report are plumbline.ReportableEventTypes; Timestamp defaults to when the server records
// the event, StorageID is ignored. An empty batch sends nothing. Returns EINVALID naming
// the first bad event ("event 2: …" in a batch of more than one), and ETOOLARGE for more
// than plumbline.MaxBatch events.
func (c *Client) ReportEvents(ctx context.Context, events []plumbline.Event) ([]int64, error) {
	if len(events) == 0 {
		return []int64{}, nil
	}
	inputs := make([]eventInput, len(events))
	for i := range events {
		in, err := newEventInput(&events[i])
		if err != nil {
			if len(events) > 1 {
				return nil, plumbline.Errorf(plumbline.EINVALID, "event %d: %s", i, plumbline.ErrorMessage(err))
			}
			return nil, err
		}
		inputs[i] = in
	}
	var out struct {
		ReportEvents struct {
			StorageIDs []json.RawMessage `json:"storageIds"`
		} `json:"reportEvents"`
	}
	const q = `mutation ReportEvents($events: [EventInput!]!) { reportEvents(events: $events) { storageIds } }`
	if err := c.Query(ctx, q, map[string]any{"events": inputs}, &out); err != nil {
		return nil, err
	}
	ids := make([]int64, len(out.ReportEvents.StorageIDs))
	for i, raw := range out.ReportEvents.StorageIDs {
		id, err := parseID(raw)
		if err != nil {
			return nil, plumbline.Errorf(plumbline.EINTERNAL, "reportEvents answered storage id %s, not an integer", raw)
		}
		ids[i] = id
	}
	return ids, nil
}

// eventInput is the GraphQL EventInput.
type eventInput struct {
	Type        string          `json:"type"`
	AssetKey    *keyJSON        `json:"assetKey,omitempty"`
	RunID       string          `json:"runId,omitempty"`
	Partition   string          `json:"partition,omitempty"`
	DataVersion string          `json:"dataVersion,omitempty"`
	Description string          `json:"description,omitempty"`
	CheckName   string          `json:"checkName,omitempty"`
	Passed      *bool           `json:"passed,omitempty"`
	Severity    string          `json:"severity,omitempty"`
	Level       string          `json:"level,omitempty"`
	Message     string          `json:"message,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	Timestamp   string          `json:"timestamp,omitempty"`
}

// keyJSON is an asset key as GraphQL writes it: AssetKey and AssetKeyInput.
type keyJSON struct {
	Path []string `json:"path"`
}

func (k keyJSON) key() plumbline.AssetKey { return plumbline.AssetKey(k.Path) }

func newEventInput(e *plumbline.Event) (eventInput, error) {
	md, err := encodeMetadata(e.Metadata)
	if err != nil {
		return eventInput{}, err
	}
	in := eventInput{
		Type: string(e.Type), RunID: e.RunID, Partition: e.Partition, DataVersion: e.DataVersion,
		Description: e.Description, CheckName: e.CheckName, Passed: e.Passed, Severity: e.Severity,
		Level: e.Level, Message: e.Message, Metadata: md,
	}
	if e.AssetKey != nil {
		in.AssetKey = &keyJSON{Path: e.AssetKey}
	}
	if !e.Timestamp.IsZero() {
		in.Timestamp = e.Timestamp.UTC().Format(time.RFC3339Nano)
	}
	return in, nil
}

// ApplyDefinitions applies a definitions file (plumbline.yaml, as text) at a location
// through GraphQL's applyDefinitions; "" means the server's default location. Applying
// is idempotent: the same file again changes nothing. Returns EINVALID listing the
// problems of an invalid file (positions name it "definitions", as in
// "definitions:12:7: …"), and ECONFLICT for an asset another location declares.
func (c *Client) ApplyDefinitions(ctx context.Context, yaml, location string) (*plumbline.ApplyResult, error) {
	vars := map[string]any{"yaml": yaml}
	if location != "" {
		vars["location"] = location
	}
	var out struct {
		ApplyDefinitions struct {
			Location  string          `json:"location"`
			Added     []keyJSON       `json:"added"`
			Updated   []keyJSON       `json:"updated"`
			Removed   []keyJSON       `json:"removed"`
			Unchanged int             `json:"unchanged"`
			StorageID json.RawMessage `json:"storageId"`
		} `json:"applyDefinitions"`
	}
	const q = `mutation ApplyDefinitions($yaml: String!, $location: String) {
  applyDefinitions(yaml: $yaml, location: $location) {
    location added { path } updated { path } removed { path } unchanged storageId
  }
}`
	if err := c.Query(ctx, q, vars, &out); err != nil {
		return nil, err
	}
	a := out.ApplyDefinitions
	res := &plumbline.ApplyResult{Location: a.Location, Unchanged: a.Unchanged,
		Added: keys(a.Added), Updated: keys(a.Updated), Removed: keys(a.Removed)}
	if len(a.StorageID) > 0 && string(a.StorageID) != "null" {
		id, err := parseID(a.StorageID)
		if err != nil {
			return nil, plumbline.Errorf(plumbline.EINTERNAL, "applyDefinitions answered storage id %s, not an integer", a.StorageID)
		}
		res.StorageID = id
	}
	return res, nil
}

func keys(ks []keyJSON) []plumbline.AssetKey {
	out := make([]plumbline.AssetKey, len(ks))
	for i, k := range ks {
		out[i] = k.key()
	}
	return out
}

// Query runs any GraphQL operation (query or mutation) with variables and decodes the
// answer's "data" into out with encoding/json, unless out is nil. Numbers decoded into
// interface values are json.Number, and fields of type json.RawMessage get the JSON as
// the server wrote it, so integers and floats keep their form (MetadataEntry.Value is
// one). When the answer carries errors, Query still decodes the data that came with them
// and returns the first error as a *plumbline.Error (with the messages of any others on
// lines of their own).
func (c *Client) Query(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables,omitempty"`
	}{query, vars})
	if err != nil {
		return plumbline.Errorf(plumbline.EINVALID, "GraphQL variables cannot be encoded as JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	resp, err := c.do(ctx, http.MethodPost, "/graphql", body)
	if err != nil {
		return err
	}
	var answer struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code any `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(resp.body, &answer); err != nil || answer.Data == nil && answer.Errors == nil {
		if resp.status != http.StatusOK {
			return resp.restError()
		}
		return resp.unexpected("not a GraphQL response")
	}
	if out != nil && len(answer.Data) > 0 && string(answer.Data) != "null" {
		dec := json.NewDecoder(bytes.NewReader(answer.Data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil && len(answer.Errors) == 0 {
			return fmt.Errorf("plumbline: decode GraphQL data: %w", err)
		}
	}
	if len(answer.Errors) == 0 {
		return nil
	}
	first := answer.Errors[0]
	gqlCode, _ := first.Extensions.Code.(string)
	code, ok := apierr.CodeForGraphQL(gqlCode)
	if !ok {
		code = plumbline.EINTERNAL
		if resp.status != http.StatusOK {
			code = apierr.CodeForHTTPStatus(resp.status)
		}
	}
	msgs := make([]string, 0, len(answer.Errors))
	seen := map[string]bool{}
	for _, e := range answer.Errors {
		if !seen[e.Message] {
			seen[e.Message] = true
			msgs = append(msgs, e.Message)
		}
	}
	return &plumbline.Error{Code: code, Message: strings.Join(msgs, "\n")}
}

// response is an answer from the server.
type response struct {
	method, url string
	status      int
	contentType string
	body        []byte
}

// do sends a request with a JSON body and reads the whole answer.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*response, error) {
	u := c.base + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("plumbline: server URL %q: %w", c.base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.user != "" {
		req.Header.Set(UserHeader, c.user)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &TransportError{Method: method, URL: u, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &TransportError{Method: method, URL: u, Err: fmt.Errorf("read the answer: %w", err)}
	}
	return &response{method: method, url: u, status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: data}, nil
}

// unwrapURLError drops the *url.Error around a transport failure, whose message repeats
// the method and URL that TransportError already gives.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// restError turns an error answer into a *plumbline.Error: the code from the status, the
// message from the {"error": "…"} body.
func (r *response) restError() error {
	code := apierr.CodeForHTTPStatus(r.status)
	var body struct {
		Error *string `json:"error"`
	}
	if json.Unmarshal(r.body, &body) == nil && body.Error != nil {
		return &plumbline.Error{Code: code, Message: *body.Error}
	}
	return &plumbline.Error{Code: code, Message: r.describe()}
}

// unexpected reports a successful answer that is not what the API answers.
func (r *response) unexpected(why string) error {
	return &plumbline.Error{Code: plumbline.EINTERNAL, Message: r.describe() + ": " + why}
}

// describe names an answer that is not the API's, with the start of its body.
func (r *response) describe() string {
	s := fmt.Sprintf("%s %s answered %d %s", r.method, r.url, r.status, http.StatusText(r.status))
	if mt, _, err := mime.ParseMediaType(r.contentType); err == nil {
		s += " (" + mt + ")"
	}
	text := strings.Join(strings.Fields(string(r.body)), " ")
	if len(text) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	if text != "" {
		s += ": " + text
	}
	return s
}

// parseID reads a storage id written as a JSON string of digits (a GraphQL ID) or a number.
func parseID(raw json.RawMessage) (int64, error) {
	s := string(raw)
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	return strconv.ParseInt(s, 10, 64)
}
