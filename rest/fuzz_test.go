package rest_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/rest"
)

var fuzzKinds = []plumbline.EventType{plumbline.AssetMaterialization, plumbline.AssetObservation, plumbline.AssetCheckEvaluation}

// FuzzDecodeReport feeds DecodeReport arbitrary paths, query strings, headers and bodies:
// it must never panic, every error must be a *plumbline.Error with code EINVALID or
// ETOOLARGE, and every event it returns must be one the store accepts and can keep.
func FuzzDecodeReport(f *testing.F) {
	type seed struct {
		kind                       uint8
		path, query, ctype, encode string
		body                       string
	}
	for _, s := range []seed{
		{0, "my_asset", "", "", "", ""},
		{0, "warehouse/orders/", "data_version=v1&partition=p", "", "", ""},
		{0, `s3\/bucket/file`, "", "application/json", "", `{"metadata": {"rows": 10, "ratio": 1.0}}`},
		{0, "", "", "application/json; charset=utf-8", "", `{"asset_key": ["a", "b"], "metadata": {"u": {"raw_value": "http://x", "type": "url"}}}`},
		{0, "", "", "application/json", "", `{"asset_key": "a/b", "metadata": {"rows": 10},}`},
		{1, "", `asset_key=["a","b"]&metadata={"n":1.5}`, "", "", ""},
		{1, "", "asset_key=a/b", "application/x-www-form-urlencoded", "", "data_version=v2&metadata=%7B%7D"},
		{1, "a", "", "application/x-www-form-urlencoded", "", `{"data_version": "v"}`},
		{2, "a", "check_name=c&passed=true", "", "", ""},
		{2, "a", "", "application/json", "", `{"check_name": "c", "passed": false, "severity": "WARN", "partition": "p"}`},
		{2, "a", "", "text/plain", "", `{"check_name": "c", "pased": true}`},
		{2, "a", "check_name=c&passed=maybe&severity=x", "", "", ""},
		// Broken input.
		{0, "", "", "", "", ""},
		{0, "a//b", "", "", "", ""},
		{0, "\xff", "partition=%00", "", "", ""},
		{0, "a", "metadata=[1]", "", "", ""},
		{0, "a", "metadata={", "", "", ""},
		{0, "a", "asset_key=[1", "", "", ""},
		{0, "a", "%zz;x", "", "", ""},
		{0, "a", "", "application/json", "", `{"metadata": "x"}`},
		{0, "a", "", "application/json", "", `{"metadata": {"k": {"raw_value": "x", "type": "int"}}}`},
		{0, "a", "", "application/json", "", `{"metadata": {"k": {"raw_value": "x", "type": "asset"}}}`},
		{0, "a", "", "application/json", "", "{\"a\":\n"},
		{0, "a", "", "application/json", "", `[1, 2,]`},
		{0, "a", "", "application/json", "", `{"description": ["x"], "data_version": 1e999}`},
		{0, "a", "", "application/json", "", "\xef\xbb\xbf{\"description\": \"\xff\"}"},
		{0, "a", "", "application/json; charset=latin1", "", `{}`},
		{0, "a", "", "multipart/form-data; boundary=x", "", "--x\r\n"},
		{0, "a", "", "application/json", "gzip", "not gzip"},
		{0, "a", "", "application/json", "br", "{}"},
		{0, "", "", "application/json", "", `{"asset_key": ["a", null, ""]}`},
		{2, "", "", "application/json", "", `{"asset_key": 1, "check_name": {}, "passed": "yes"}`},
		{2, "a", "", "", "", `{"check_name": "c\u0000", "passed": true}`},
		{0, "a", "", "application/json", "", `{"x": "` + strings.Repeat("y", 2000) + `"}`},
	} {
		f.Add(s.kind, s.path, s.query, s.ctype, s.encode, []byte(s.body))
	}
	f.Add(uint8(0), "a", "", "application/json", "gzip", []byte(gzipped(`{"metadata": {"rows": 1}}`)))
	f.Add(uint8(2), "a", "", "application/json", "gzip", []byte(gzipped(`{"check_name": "c", "passed": true}`)[:15]))
	f.Add(uint8(0), "a", "", "application/json", "gzip", []byte(gzipped(strings.Repeat(" ", 5000)+"{}")))

	const limit = 1024
	f.Fuzz(func(t *testing.T, kind uint8, path, query, ctype, encoding string, body []byte) {
		k := fuzzKinds[int(kind)%len(fuzzKinds)]
		r := &http.Request{
			Method:        http.MethodPost,
			URL:           &url.URL{Path: "/report", RawQuery: query},
			Header:        http.Header{},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
		}
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if encoding != "" {
			r.Header.Set("Content-Encoding", encoding)
		}
		e, err := rest.DecodeReport(k, path, r, limit)
		if err != nil {
			var perr *plumbline.Error
			if !errors.As(err, &perr) {
				t.Fatalf("error %v (%T) is not a *plumbline.Error", err, err)
			}
			if perr.Code != plumbline.EINVALID && perr.Code != plumbline.ETOOLARGE {
				t.Fatalf("error %q has code %q, want invalid or too_large", perr.Message, perr.Code)
			}
			if perr.Message == "" {
				t.Fatal("error has no message")
			}
			return
		}
		if e.Type != k {
			t.Fatalf("event type %s, want %s", e.Type, k)
		}
		again := e
		if err := again.Normalize(); err != nil {
			t.Fatalf("event does not pass Normalize: %v", err)
		}
		if k == plumbline.AssetCheckEvaluation && (e.Passed == nil || e.CheckName == "") {
			t.Fatalf("check without passed or name: %+v", e)
		}
		texts := append([]string{e.Partition, e.DataVersion, e.Description, e.CheckName, e.Severity}, e.AssetKey...)
		for _, s := range texts {
			if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
				t.Fatalf("event keeps text the database refuses: %q", s)
			}
		}
		for _, m := range e.Metadata {
			if !utf8.Valid(m.Value) {
				t.Fatalf("metadata %q is not valid UTF-8", m.Key)
			}
		}
	})
}
