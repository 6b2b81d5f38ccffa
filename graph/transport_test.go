package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
)

// TestPostTransportAnswersAsGqlgens sends the same requests to gqlgen's POST transport and
// to postTransport, and wants the same status, headers and bytes from both.
func TestPostTransportAnswersAsGqlgens(t *testing.T) {
	s := dbtest.SQLite(t)
	ctx := context.Background()
	defs := &plumbline.Definitions{Assets: []plumbline.AssetSpec{{Key: plumbline.AssetKey{"a", "b"}, Description: "<b>bold</b> & co\u2028"}}}
	if _, err := s.ApplyDefinitions(ctx, "", defs); err != nil {
		t.Fatal(err)
	}
	m, err := plumbline.DecodeMetadata([]byte(`{"sql": "select 1 where a < b && c > d", "u": "\u2029", "n": 1.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, []plumbline.Event{{Type: plumbline.AssetMaterialization, AssetKey: plumbline.AssetKey{"a", "b"}, Metadata: m}}); err != nil {
		t.Fatal(err)
	}
	r := &Resolver{Log: s, Catalog: s, RunStore: s}
	serve := func(tr interface {
		Supports(*http.Request) bool
	}) *handler.Server {
		srv := handler.New(NewExecutableSchema(Config{Resolvers: r, Complexity: complexity()}))
		switch tr := tr.(type) {
		case transport.POST:
			srv.AddTransport(tr)
		case postTransport:
			srv.AddTransport(tr)
		}
		return srv
	}
	gqlgen, ours := serve(transport.POST{}), serve(postTransport{})

	const q = `{ asset(key: {path: [\"a\", \"b\"]}) { definition { description } latestMaterialization { metadata { key type value } } } }`
	for name, tc := range map[string]struct {
		body, accept, contentType string
	}{
		"Data":                     {body: `{"query": "` + q + `"}`},
		"DataWithSpaces":           {body: " \n{ \"query\" : \"" + q + "\" , \"variables\" : null, \"x\": [1, {\"y\": 2}] }\t"},
		"Variables":                {body: `{"query": "query($k: [String!]!) { asset(key: {path: $k}) { key { path } } }", "variables": {"k": ["a", "b"]}, "operationName": null}`},
		"OperationName":            {body: `{"operationName": "A", "query": "query A { __typename } query B { __typename }"}`},
		"UnknownOperation":         {body: `{"operationName": "C", "query": "query A { __typename } query B { __typename }"}`},
		"ValidationError":          {body: `{"query": "{ nope }"}`},
		"ValidationErrorGraphQL":   {body: `{"query": "{ nope }"}`, accept: "application/graphql-response+json"},
		"AcceptAny":                {body: `{"query": "{ __typename }"}`, accept: "text/html, */*"},
		"AcceptOther":              {body: `{"query": "{ __typename }"}`, accept: "text/html"},
		"ParseError":               {body: `{"query": "{"}`},
		"ResolverError":            {body: `{"query": "{ asset(key: {path: []}) { key { path } } }"}`},
		"VariableError":            {body: `{"query": "query($k: [String!]!) { asset(key: {path: $k}) { key { path } } }", "variables": {"k": 3.5}}`},
		"InvalidJSON":              {body: `{"query": `},
		"NotAnObject":              {body: `["query"]`},
		"TrailingData":             {body: `{"query": "{ __typename }"} {"query": 1}`},
		"FieldInAnotherCase":       {body: `{"QUERY": "{ __typename }"}`},
		"FieldNamedWithKelvinSign": {body: "{\"\u212a\": 1, \"query\": \"{ __typename }\"}"},
		"RepeatedField":            {body: `{"query": "{ nope }", "query": "{ __typename }"}`},
		"RepeatedVariables":        {body: `{"query": "query($a: Int, $b: Int) { __typename }", "variables": {"a": 1}, "variables": {"b": 2}}`},
		"WrongType":                {body: `{"query": 5}`},
		"VariablesNotObject":       {body: `{"query": "{ __typename }", "variables": [1]}`},
		"Empty":                    {body: ``},
		"EmptyObject":              {body: `{}`},
		"EscapedStrings":           {body: `{"query": "{ __typename \n }", "extensions": {"a": "\u00e9\ud83d\ude00"}}`},
		"JSONWithCharset":          {body: `{"query": "{ __typename }"}`, contentType: "application/json; charset=utf-8"},
	} {
		t.Run(name, func(t *testing.T) {
			do := func(h http.Handler) *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(tc.body))
				ct := tc.contentType
				if ct == "" {
					ct = "application/json"
				}
				req.Header.Set("Content-Type", ct)
				if tc.accept != "" {
					req.Header.Set("Accept", tc.accept)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				return w
			}
			want, got := do(gqlgen), do(ours)
			if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") ||
				!bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
				t.Errorf("postTransport: %d %s\n%s\ngqlgen: %d %s\n%s", got.Code, got.Header().Get("Content-Type"), got.Body,
					want.Code, want.Header().Get("Content-Type"), want.Body)
			}
		})
	}
}

// FuzzDecodeParams checks decodeParams against encoding/json decoding into RawParams with
// UseNumber, as gqlgen's POST transport does: the same fields, the same error.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{`{"query": "{ a }", "variables": {"x": [1, 2.5, "s", null, true, {"y": {}}]}, "operationName": "A", "extensions": {}}`,
		`{"query": null}`, `{"Query": "x"}`, `{"query": 1}`, `{"variables": []}`, `{"a": 1, "query": "q"} x`, `[]`, ``, `{"query": "\u00e9\n"}`,
		`{"variables": {"a": 1}, "variables": {"b": 2}}`, `{"operationName": {"x": 1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got graphql.RawParams
		err := decodeParams(body, &got)
		var want graphql.RawParams
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		werr := dec.Decode(&want)
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("decodeParams(%q): error %v, encoding/json %v", body, err, werr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeParams(%q) = %#v, encoding/json %#v", body, got, want)
		}
	})
}
