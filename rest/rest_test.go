package rest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/rest"
	"github.com/plumbline/plumbline/store"
)

// maxBody is the body limit of the handler under test, small enough to test cheaply.
const maxBody = 64 << 10

// request is one HTTP request to the handler.
type request struct {
	method      string // POST when empty
	target      string // path and query
	contentType string
	encoding    string // Content-Encoding
	body        string
	gzip        bool // compress body and send Content-Encoding: gzip
	chunked     bool // send the body without a Content-Length
}

type reportCase struct {
	name string
	req  request
	// On success, the event stored (its StorageID and Timestamp are not compared).
	want plumbline.Event
	// On failure, the status and the exact message of {"error": ...}.
	status int
	err    string
	header map[string]string // response headers expected
}

func key(parts ...string) plumbline.AssetKey { return plumbline.AssetKey(parts) }

// meta builds metadata from key, type, value triples; value is the stored JSON.
func meta(kv ...string) plumbline.Metadata {
	var m plumbline.Metadata
	for i := 0; i+2 < len(kv); i += 3 {
		m = append(m, plumbline.MetadataEntry{Key: kv[i], Type: kv[i+1], Value: json.RawMessage(kv[i+2])})
	}
	return m
}

func mat(k plumbline.AssetKey) plumbline.Event {
	return plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: k}
}

func q(s string) string { return url.QueryEscape(s) }

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.String()
}

var reportCases = []reportCase{
	// Where the asset key comes from.
	{name: "KeyFromPath", req: request{target: "/report_asset_materialization/warehouse/orders"},
		want: mat(key("warehouse", "orders"))},
	{name: "TrailingSlashInPathIsIgnored", req: request{target: "/report_asset_materialization/warehouse/orders/"},
		want: mat(key("warehouse", "orders"))},
	{name: "PercentEncodedPathIsDecoded", req: request{target: "/report_asset_materialization/raw%20data/%C3%A9t%C3%A9"},
		want: mat(key("raw data", "été"))},
	{name: "PercentEncodedSlashSeparatesPartsLikeDagster", req: request{target: "/report_asset_materialization/warehouse%2Forders"},
		want: mat(key("warehouse", "orders"))},
	{name: "EscapedSlashInPathStaysInsideAPart", req: request{target: "/report_asset_materialization/s3%5C%2Fbucket/file.csv"},
		want: mat(key("s3/bucket", "file.csv"))},
	{name: "PathKeyWinsOverBodyAndQuery", req: request{target: "/report_asset_materialization/from_path?asset_key=from_query",
		contentType: "application/json", body: `{"asset_key": "from_body"}`},
		want: mat(key("from_path"))},
	{name: "KeyFromBodyString", req: request{target: "/report_asset_materialization/", contentType: "application/json",
		body: `{"asset_key": "orders"}`},
		want: mat(key("orders"))},
	{name: "BodyKeyStringIsOnePartLikeDagster", req: request{target: "/report_asset_materialization/", contentType: "application/json",
		body: `{"asset_key": "warehouse/orders"}`},
		want: mat(key("warehouse/orders"))},
	{name: "KeyFromBodyList", req: request{target: "/report_asset_materialization", contentType: "application/json",
		body: `{"asset_key": ["warehouse", "orders"]}`},
		want: mat(key("warehouse", "orders"))},
	{name: "BodyKeyWinsOverQuery", req: request{target: "/report_asset_materialization/?asset_key=from_query", contentType: "application/json",
		body: `{"asset_key": ["from_body"]}`},
		want: mat(key("from_body"))},
	{name: "NullBodyKeyFallsBackToQuery", req: request{target: "/report_asset_materialization?asset_key=from_query", contentType: "application/json",
		body: `{"asset_key": null}`},
		want: mat(key("from_query"))},
	{name: "KeyFromQueryJSONList", req: request{target: "/report_asset_materialization?asset_key=" + q(`["warehouse","orders/2024"]`)},
		want: mat(key("warehouse", "orders/2024"))},
	{name: "KeyFromQueryString", req: request{target: "/report_asset_materialization?asset_key=warehouse/orders"},
		want: mat(key("warehouse", "orders"))},

	// Where the other fields come from.
	{name: "FieldsFromBody", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"data_version": "v1", "description": "nightly load", "partition": "2026-01-01", "metadata": {"rows": 10}}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1",
			Description: "nightly load", Partition: "2026-01-01", Metadata: meta("rows", "int", "10")}},
	{name: "FieldsFromQuery", req: request{target: "/report_asset_materialization/orders?data_version=v1&description=nightly+load&partition=2026-01-01&metadata=" +
		q(`{"rows": 10, "source": {"raw_value": "s3://b/k", "type": "path"}}`)},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1",
			Description: "nightly load", Partition: "2026-01-01", Metadata: meta("rows", "int", "10", "source", "path", `"s3://b/k"`)}},
	{name: "BodyFieldsWinOverQueryFieldByField", req: request{target: "/report_asset_materialization/orders?data_version=v1&partition=p1&metadata=" + q(`{"a": 1}`),
		contentType: "application/json", body: `{"data_version": "v2", "metadata": {"b": 2}}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v2",
			Partition: "p1", Metadata: meta("b", "int", "2")}},
	{name: "ObservationTakesTheSameFields", req: request{target: "/report_asset_observation/orders?partition=p1", contentType: "application/json",
		body: `{"data_version": "abc", "description": "seen", "metadata": {"size": 1.5}}`},
		want: plumbline.Event{Type: plumbline.AssetObservation, AssetKey: key("orders"), DataVersion: "abc",
			Description: "seen", Partition: "p1", Metadata: meta("size", "float", "1.5")}},
	{name: "NumbersForTextFieldsAreKeptAsWritten", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"data_version": 42, "partition": 2024}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "42", Partition: "2024"}},
	{name: "UnknownBodyFieldsAreIgnored", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"tags": {"team": "data"}, "run_id": 7, "passed": "maybe", "metadata": {"rows": 1}}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), Metadata: meta("rows", "int", "1")}},
	{name: "CheckFromBody", req: request{target: "/report_asset_check/orders", contentType: "application/json",
		body: `{"check_name": "no_null_ids", "passed": false, "severity": "WARN", "partition": "2026-01-01", "metadata": {"null_ids": 3}}`},
		want: plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: key("orders"), CheckName: "no_null_ids",
			Passed: new(false), Severity: "WARN", Partition: "2026-01-01", Metadata: meta("null_ids", "int", "3")}},
	{name: "CheckFromQueryDefaultsToSeverityError", req: request{target: "/report_asset_check/orders?check_name=no_null_ids&passed=true"},
		want: plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: key("orders"), CheckName: "no_null_ids",
			Passed: new(true), Severity: "ERROR"}},
	{name: "CheckQueryValuesAreCaseInsensitive", req: request{target: "/report_asset_check/orders?check_name=c&passed=FALSE&severity=warn&partition=p&metadata=" + q(`{"n": 0}`)},
		want: plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: key("orders"), CheckName: "c",
			Passed: new(false), Severity: "WARN", Partition: "p", Metadata: meta("n", "int", "0")}},
	{name: "CheckPassedMayBeAStringInTheBody", req: request{target: "/report_asset_check", contentType: "application/json",
		body: `{"asset_key": ["orders"], "check_name": "c", "passed": "True"}`},
		want: plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: key("orders"), CheckName: "c",
			Passed: new(true), Severity: "ERROR"}},

	// Content types and encodings.
	{name: "JSONWithCharsetIsAccepted", req: request{target: "/report_asset_materialization/orders",
		contentType: "application/json; charset=utf-8", body: `{"data_version": "v1"}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1"}},
	{name: "JSONTypeIsCaseInsensitive", req: request{target: "/report_asset_materialization/orders",
		contentType: "Application/JSON; Charset=UTF-8", body: `{"data_version": "v1"}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1"}},
	{name: "JSONSuffixTypeIsAccepted", req: request{target: "/report_asset_materialization/orders",
		contentType: "application/vnd.api+json", body: `{"data_version": "v1"}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1"}},
	{name: "JSONWithoutContentTypeIsAccepted", req: request{target: "/report_asset_materialization/orders",
		body: `{"data_version": "v1"}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1"}},
	{name: "JSONAsTextPlainIsAccepted", req: request{target: "/report_asset_materialization/orders",
		contentType: "text/plain; charset=utf-8", body: `{"data_version": "v1"}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1"}},
	{name: "FormFieldsAreReadLikeTheQueryAndWinOverIt", req: request{target: "/report_asset_materialization/orders?data_version=v1&partition=p1",
		contentType: "application/x-www-form-urlencoded", body: "data_version=v2&metadata=" + q(`{"rows": 5}`)},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v2",
			Partition: "p1", Metadata: meta("rows", "int", "5")}},
	{name: "EmptyBodyWithJSONContentTypeIsNoBody", req: request{target: "/report_asset_materialization/orders?data_version=v1",
		contentType: "application/json", body: " \n"},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1"}},
	{name: "GzipBodyIsDecoded", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"data_version": "v1", "metadata": {"rows": 10}}`, gzip: true},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1", Metadata: meta("rows", "int", "10")}},
	{name: "ChunkedGzipBodyIsDecoded", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"data_version": "v1"}`, gzip: true, chunked: true},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1"}},
	{name: "TrailingCommasAreAccepted", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"metadata": {"tables": ["a", "b",], "rows": 1,}, "data_version": "v1",}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1",
			Metadata: meta("tables", "json", `["a","b"]`, "rows", "int", "1")}},
	{name: "CommaInsideAStringIsKept", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"description": "a,}b\",]", "metadata": {"k": "x, ]"}}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), Description: `a,}b",]`,
			Metadata: meta("k", "text", `"x, ]"`)}},
	{name: "ByteOrderMarkIsIgnored", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: "\xef\xbb\xbf" + `{"data_version": "v1"}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), DataVersion: "v1"}},

	// Metadata.
	{name: "PlainMetadataIsInferredAndKeepsItsOrder", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"metadata": {"z_text": "x", "a_bool": true, "m_null": null, "obj": {"k": [1, 2]}, "list": [1, "a"]}}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), Metadata: meta(
			"z_text", "text", `"x"`, "a_bool", "bool", "true", "m_null", "null", "null",
			"obj", "json", `{"k":[1,2]}`, "list", "json", `[1,"a"]`)}},
	{name: "IntegersAndFloatsStayApart", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"metadata": {"rows": 10, "ratio": 1.0, "big": 1e3, "neg": -3, "pi": 3.25, "huge": 12345678901234567890}}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), Metadata: meta(
			"rows", "int", "10", "ratio", "float", "1.0", "big", "float", "1e3", "neg", "int", "-3",
			"pi", "float", "3.25", "huge", "int", "12345678901234567890")}},
	{name: "TypedMetadataKeepsItsType", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"metadata": {
			"dashboard": {"raw_value": "https://bi.example.com/d/1", "type": "url"},
			"count": {"raw_value": 3.0, "type": "int"},
			"ratio": {"raw_value": 2, "type": "float"},
			"notes": {"raw_value": "# Loaded", "type": "md"},
			"upstream": {"raw_value": "raw/orders", "type": "asset"},
			"loaded_at": {"raw_value": "2026-01-02T03:04:05Z", "type": "timestamp"},
			"schema": {"raw_value": {"columns": [{"name": "id", "type": "int"}]}, "type": "table_schema"},
			"plain": {"raw_value": "x", "type": "text", "extra": 1}
		}}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("orders"), Metadata: meta(
			"dashboard", "url", `"https://bi.example.com/d/1"`,
			"count", "int", "3",
			"ratio", "float", "2",
			"notes", "md", `"# Loaded"`,
			"upstream", "asset", `"raw/orders"`,
			"loaded_at", "timestamp", "1767323045",
			"schema", "table_schema", `{"columns":[{"name":"id","type":"int"}]}`,
			"plain", "json", `{"raw_value":"x","type":"text","extra":1}`)}},

	// The examples of Dagster's external assets REST API documentation, as written there.
	{name: "DagsterDocs/MaterializationWithoutBody", req: request{target: "/report_asset_materialization/my_asset"},
		want: mat(key("my_asset"))},
	{name: "DagsterDocs/MaterializationWithJSONBody", req: request{target: "/report_asset_materialization/my_asset",
		contentType: "application/json", body: `{"metadata": {"rows": 10}}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("my_asset"), Metadata: meta("rows", "int", "10")}},
	{name: "DagsterDocs/MaterializationLocalExample", req: request{target: "/report_asset_materialization/my_asset",
		contentType: "application/json", body: `{
    "metadata": {"key": "value"},
    "data_version": "v1.0",
    "description": "Asset updated"
  }`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("my_asset"), DataVersion: "v1.0",
			Description: "Asset updated", Metadata: meta("key", "text", `"value"`)}},
	{name: "DagsterDocs/MaterializationWithKeyInBodyAndTrailingComma", req: request{target: "/report_asset_materialization/",
		contentType: "application/json", body: `{
        "asset_key": "my_asset",
        "metadata": {
            "rows": 10
        },
    }`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("my_asset"), Metadata: meta("rows", "int", "10")}},
	{name: "DagsterDocs/CurlDataWithoutContentTypeHeader", req: request{target: "/report_asset_materialization/my_asset",
		contentType: "application/x-www-form-urlencoded", body: `{"metadata": {"rows": 10}}`},
		want: plumbline.Event{Type: plumbline.AssetMaterialization, AssetKey: key("my_asset"), Metadata: meta("rows", "int", "10")}},
	{name: "DagsterDocs/ObservationWithDataVersionInQuery", req: request{target: "/report_asset_observation/my_asset?data_version=v7"},
		want: plumbline.Event{Type: plumbline.AssetObservation, AssetKey: key("my_asset"), DataVersion: "v7"}},
	{name: "DagsterDocs/ObservationWithJSONBody", req: request{target: "/report_asset_observation/",
		contentType: "application/json", body: `{
        "asset_key": "my_asset",
        "metadata": {
            "rows": 10
        },
        "data_version": "v7",
    }`},
		want: plumbline.Event{Type: plumbline.AssetObservation, AssetKey: key("my_asset"), DataVersion: "v7", Metadata: meta("rows", "int", "10")}},
	{name: "DagsterDocs/PassedCheckInQuery", req: request{target: "/report_asset_check/my_asset?check_name=check_null_ids&passed=true"},
		want: plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: key("my_asset"), CheckName: "check_null_ids",
			Passed: new(true), Severity: "ERROR"}},
	{name: "DagsterDocs/FailedCheckWithJSONBody", req: request{target: "/report_asset_check/",
		contentType: "application/json", body: `{
        "asset_key": "my_asset",
        "check_name": "check_null_ids",
        "passed": false,
        "metadata": {
            "null_rows": 3
        },
    }`},
		want: plumbline.Event{Type: plumbline.AssetCheckEvaluation, AssetKey: key("my_asset"), CheckName: "check_null_ids",
			Passed: new(false), Severity: "ERROR", Metadata: meta("null_rows", "int", "3")}},

	// Errors.
	{name: "EmptyKeyIsRejected", req: request{target: "/report_asset_materialization/"},
		status: 400, err: "empty asset key: give it in the URL path after /report_asset_materialization/, as asset_key in the JSON body, or as the asset_key query parameter"},
	{name: "EmptyKeyMessageNamesTheEndpoint", req: request{target: "/report_asset_check?check_name=c&passed=true"},
		status: 400, err: "empty asset key: give it in the URL path after /report_asset_check/, as asset_key in the JSON body, or as the asset_key query parameter"},
	{name: "EmptyBodyKeyStringIsRejected", req: request{target: "/report_asset_observation", contentType: "application/json", body: `{"asset_key": ""}`},
		status: 400, err: "empty asset key: give it in the URL path after /report_asset_observation/, as asset_key in the JSON body, or as the asset_key query parameter"},
	{name: "EmptyBodyKeyListIsRejected", req: request{target: "/report_asset_observation", contentType: "application/json", body: `{"asset_key": []}`},
		status: 400, err: "empty asset key: give it in the URL path after /report_asset_observation/, as asset_key in the JSON body, or as the asset_key query parameter"},
	{name: "KeyWithAnEmptyPartIsRejected", req: request{target: "/report_asset_materialization", contentType: "application/json", body: `{"asset_key": ["a", ""]}`},
		status: 400, err: `asset key "a/" has an empty part at position 2`},
	{name: "BodyKeyOfTheWrongTypeIsRejected", req: request{target: "/report_asset_materialization", contentType: "application/json", body: `{"asset_key": 5}`},
		status: 400, err: "asset_key must be a string or a list of strings, got a number"},
	{name: "BodyKeyListOfNumbersIsRejected", req: request{target: "/report_asset_materialization", contentType: "application/json", body: `{"asset_key": [1, 2]}`},
		status: 400, err: "asset_key must be a string or a list of strings"},
	{name: "BadQueryKeyListIsRejected", req: request{target: "/report_asset_materialization?asset_key=" + q(`["a", 1]`)},
		status: 400, err: "asset_key query parameter must be a JSON list of strings or a key like a/b"},
	{name: "MissingPassedIsRejected", req: request{target: "/report_asset_check/orders?check_name=c"},
		status: 400, err: `missing required parameter "passed" (true or false)`},
	{name: "MisspeltPassedIsStillMissing", req: request{target: "/report_asset_check/orders", contentType: "application/json",
		body: `{"check_name": "c", "pased": true}`},
		status: 400, err: `missing required parameter "passed" (true or false); did you mean "passed" instead of "pased"?`},
	{name: "MisspeltPassedInQueryIsStillMissing", req: request{target: "/report_asset_check/orders?check_name=c&Pass=true"},
		status: 400, err: `missing required parameter "passed" (true or false); did you mean "passed" instead of "Pass"?`},
	{name: "MissingCheckNameIsRejected", req: request{target: "/report_asset_check/orders?passed=true"},
		status: 400, err: `missing required parameter "check_name"`},
	{name: "MisspeltCheckNameIsStillMissing", req: request{target: "/report_asset_check/orders", contentType: "application/json",
		body: `{"checkName": "c", "passed": true}`},
		status: 400, err: `missing required parameter "check_name"; did you mean "check_name" instead of "checkName"?`},
	{name: "UnrelatedFieldIsNotSuggested", req: request{target: "/report_asset_check/orders", contentType: "application/json",
		body: `{"check_name": "c", "asset": "x", "status": "ok"}`},
		status: 400, err: `missing required parameter "passed" (true or false)`},
	{name: "BadPassedInQueryIsRejected", req: request{target: "/report_asset_check/orders?check_name=c&passed=yes"},
		status: 400, err: `passed must be true or false, got "yes"`},
	{name: "BadPassedInBodyIsRejected", req: request{target: "/report_asset_check/orders", contentType: "application/json",
		body: `{"check_name": "c", "passed": 1}`},
		status: 400, err: "passed must be true or false, got a number"},
	{name: "BadSeverityIsRejected", req: request{target: "/report_asset_check/orders?check_name=c&passed=false&severity=FATAL"},
		status: 400, err: `severity "FATAL" is not WARN or ERROR`},
	{name: "MetadataListIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"metadata": [{"rows": 1}]}`},
		status: 400, err: "metadata must be a JSON object of key to value, got a list"},
	{name: "MetadataStringIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"metadata": "{\"rows\": 1}"}`},
		status: 400, err: "metadata must be a JSON object of key to value, got a string"},
	{name: "QueryMetadataListIsRejected", req: request{target: "/report_asset_observation/orders?metadata=" + q(`[1, 2]`)},
		status: 400, err: "metadata must be a JSON object of key to value, got a list"},
	{name: "BadQueryMetadataJSONIsRejected", req: request{target: "/report_asset_materialization/orders?metadata=" + q(`{rows: 1}`)},
		status: 400, err: "metadata is not valid JSON: invalid character 'r'"},
	{name: "BadTypedMetadataIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"metadata": {"rows": {"raw_value": "ten", "type": "int"}}}`},
		status: 400, err: `metadata "rows" of type int needs an integer, got a string`},
	{name: "UnknownMetadataTypeIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"metadata": {"rows": {"raw_value": 1, "type": "integr"}}}`},
		status: 400, err: `metadata "rows" has unknown type "integr" (known types: ` + strings.Join(plumbline.MetadataTypes, ", ") + ")"},
	{name: "BadJSONIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"metadata": {"rows": 10}`},
		status: 400, err: "request body is not valid JSON: unexpected end of JSON input (line 1, column 25)"},
	{name: "BadJSONNamesLineAndColumn", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: "{\n  \"data_version\": \"v1\"\n  \"partition\": \"p\"\n}"},
		status: 400, err: "request body is not valid JSON: invalid character '\"' after object key:value pair (line 3, column 3)"},
	{name: "NonJSONWithoutContentTypeIsRejected", req: request{target: "/report_asset_materialization/orders", body: "rows=10"},
		status: 400, err: "request body is not valid JSON: invalid character 'r' looking for beginning of value (line 1, column 1)"},
	{name: "NonObjectBodyIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json", body: `["orders"]`},
		status: 400, err: "request body must be a JSON object, got a list"},
	{name: "TextFieldOfTheWrongTypeIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"description": ["a"]}`},
		status: 400, err: "description must be a string, got a list"},
	{name: "UnsupportedContentTypeIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/xml", body: "<rows>1</rows>"},
		status: 400, err: `unsupported content type "application/xml": send no body, or JSON with Content-Type: application/json`},
	{name: "UnsupportedCharsetIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json; charset=latin1", body: `{}`},
		status: 400, err: `unsupported charset "latin1": send JSON as UTF-8`},
	{name: "InvalidUTF8BodyIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: "{\"description\": \"caf\xe9\"}"},
		status: 400, err: "request body is not valid UTF-8; send JSON as UTF-8"},
	{name: "BadGzipIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		encoding: "gzip", body: `{"data_version": "v1"}`},
		status: 400, err: "request body is not valid gzip: invalid header"},
	{name: "TruncatedGzipIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		encoding: "gzip", body: gzipped(`{"data_version": "v1"}`)[:20]},
		status: 400, err: "request body is not valid gzip: unexpected EOF"},
	{name: "UnsupportedEncodingIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		encoding: "br", body: `{}`},
		status: 400, err: `unsupported content encoding "br": send the body as it is or gzip-compressed`},
	{name: "TooLargeBodyIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"description": "` + strings.Repeat("x", maxBody) + `"}`},
		status: 413, err: fmt.Sprintf("request body is larger than the limit of %d bytes", maxBody)},
	{name: "TooLargeChunkedBodyIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"description": "` + strings.Repeat("x", maxBody) + `"}`, chunked: true},
		status: 413, err: fmt.Sprintf("request body is larger than the limit of %d bytes", maxBody)},
	{name: "TooLargeOnceGzipDecodedIsRejected", req: request{target: "/report_asset_materialization/orders", contentType: "application/json",
		body: `{"description": "` + strings.Repeat("x", maxBody) + `"}`, gzip: true},
		status: 413, err: fmt.Sprintf("request body is larger than the limit of %d bytes once gzip-decoded", maxBody)},
	{name: "WrongMethodIsRejected", req: request{method: "GET", target: "/report_asset_materialization/orders"},
		status: 405, err: "method GET is not allowed; use POST", header: map[string]string{"Allow": "POST"}},
	{name: "PutIsRejected", req: request{method: "PUT", target: "/report_asset_check", contentType: "application/json", body: `{}`},
		status: 405, err: "method PUT is not allowed; use POST", header: map[string]string{"Allow": "POST"}},
	{name: "BadQueryStringIsRejected", req: request{target: "/report_asset_materialization/orders?partition=%zz"},
		status: 400, err: `query string is not valid: invalid URL escape "%zz"`},
	{name: "InvalidUTF8InPathIsRejected", req: request{target: "/report_asset_materialization/caf%E9"},
		status: 400, err: "asset key is not valid UTF-8"},
	{name: "InvalidUTF8InQueryMetadataIsRejected", req: request{target: "/report_asset_materialization/orders?metadata=%7B%22k%22%3A%22%E9%22%7D"},
		status: 400, err: `metadata "k" is not valid UTF-8`},
	{name: "NULInQueryIsRejected", req: request{target: "/report_asset_materialization/orders?partition=a%00b"},
		status: 400, err: "partition contains a NUL character"},
	{name: "NULInBodyIsRejected", req: request{target: "/report_asset_check/orders", contentType: "application/json",
		body: `{"check_name": "c\u0000", "passed": true}`},
		status: 400, err: "check name contains a NUL character"},
	{name: "OverlongPartitionIsRejected", req: request{target: "/report_asset_materialization/orders?partition=" + noise(3000)},
		status: 400, err: "partition is longer than 1024 bytes"},
	{name: "OverlongKeyIsRejected", req: request{target: "/report_asset_materialization/" + strings.Repeat("k/", 512) + "k"},
		status: 400, err: "asset key is longer than 1024 bytes"},
}

// noise returns n bytes of text that does not compress, so that PostgreSQL cannot fit it
// into an index entry (which fails the append when nothing rejects it first).
func noise(n int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[rng.IntN(len(letters))]
	}
	return string(b)
}

func TestReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		srv, _ := newServer(t, s)
		for _, tc := range reportCases {
			t.Run(tc.name, func(t *testing.T) {
				before := lastID(t, s)
				status, header, body := send(t, srv, tc.req)
				if tc.err != "" {
					checkError(t, status, header, body, tc.status, tc.err)
					for k, v := range tc.header {
						if got := header.Get(k); got != v {
							t.Errorf("header %s = %q, want %q", k, got, v)
						}
					}
					if after := lastID(t, s); after != before {
						t.Errorf("a rejected request stored events %d to %d", before+1, after)
					}
					return
				}
				got := stored(t, s, status, header, body)
				if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(plumbline.Event{}, "StorageID", "Timestamp")); diff != "" {
					t.Errorf("stored event (-want +got):\n%s", diff)
				}
				if after := lastID(t, s); after != before+1 {
					t.Errorf("last storage id went from %d to %d, want one event", before, after)
				}
			})
		}
	})
}

// TestReportStoreErrors checks how failures of the event log are answered: a store that
// is shutting down or a request that went away is a 503, anything else a 500 whose detail
// is logged and never shown.
func TestReportStoreErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		status  int
		message string
		logged  string // in the log; "" when nothing is logged
	}{
		{"ShuttingDownIsUnavailable", plumbline.Errorf(plumbline.EUNAVAILABLE, "the server is shutting down"), 503, "the server is shutting down", ""},
		{"CancelledRequestIsUnavailable", fmt.Errorf("append: %w", context.Canceled), 503, "the request was cancelled or timed out", ""},
		{"InternalErrorIsHiddenAndLogged", fmt.Errorf("append: copy events: %w", errors.New("dial tcp 10.1.2.3:5432: connection refused")), 500, "internal error", "10.1.2.3:5432"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, logs := newServer(t, failingLog{EventLog: dbtest.SQLite(t), err: tc.err})
			status, header, body := send(t, srv, request{target: "/report_asset_materialization/orders"})
			checkError(t, status, header, body, tc.status, tc.message)
			if tc.logged == "" && logs.Len() > 0 {
				t.Errorf("logged %q, want nothing", logs.String())
			}
			if tc.logged != "" && !strings.Contains(logs.String(), tc.logged) {
				t.Errorf("log %q does not have %q", logs.String(), tc.logged)
			}
		})
	}
}

// TestReportAfterBadInputStillWorks checks that nothing of a rejected request lingers: the
// same asset reported right after succeeds and is the only event stored.
func TestReportAfterBadInputStillWorks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		srv, _ := newServer(t, s)
		if status, _, _ := send(t, srv, request{target: "/report_asset_check/orders?check_name=c&passed=maybe"}); status != 400 {
			t.Fatalf("bad passed: status %d, want 400", status)
		}
		status, header, body := send(t, srv, request{target: "/report_asset_check/orders?check_name=c&passed=true"})
		got := stored(t, s, status, header, body)
		events, err := s.Events(context.Background(), plumbline.EventFilter{}, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].StorageID != got.StorageID {
			t.Errorf("events stored: %+v, want only %d", events, got.StorageID)
		}
	})
}

func TestDecodeReportDefaultLimitIs8MiB(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		code string
	}{
		{"BodyAtTheLimitIsRead", 8 << 20, ""},
		{"BodyOverTheLimitIsTooLarge", 8<<20 + 1, plumbline.ETOOLARGE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"description": "` + strings.Repeat("x", tc.size-19) + `"}`
			if len(body) != tc.size {
				t.Fatalf("body is %d bytes, want %d", len(body), tc.size)
			}
			r := httptest.NewRequest("POST", "/report_asset_materialization/orders", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			_, err := rest.DecodeReport(plumbline.AssetMaterialization, "orders", r, 0)
			if got := plumbline.ErrorCode(err); got != tc.code {
				t.Errorf("error %v (code %q), want code %q", err, got, tc.code)
			}
		})
	}
}

// failingLog is an event log whose appends fail.
type failingLog struct {
	plumbline.EventLog
	err error
}

func (f failingLog) Append(context.Context, []plumbline.Event) ([]int64, error) { return nil, f.err }

func newServer(t *testing.T, log plumbline.EventLog) (*httptest.Server, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	h := &rest.Handler{Log: log, Logger: slog.New(slog.NewTextHandler(&logs, nil)), MaxBodyBytes: maxBody}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &logs
}

func send(t *testing.T, srv *httptest.Server, req request) (int, http.Header, []byte) {
	t.Helper()
	method := req.method
	if method == "" {
		method = http.MethodPost
	}
	payload := req.body
	if req.gzip {
		payload = gzipped(payload)
	}
	var body io.Reader
	if payload != "" {
		body = strings.NewReader(payload)
		if req.chunked {
			body = io.MultiReader(body) // hides the length, so the client sends it chunked
		}
	}
	r, err := http.NewRequest(method, srv.URL+req.target, body)
	if err != nil {
		t.Fatal(err)
	}
	if req.contentType != "" {
		r.Header.Set("Content-Type", req.contentType)
	}
	if req.gzip {
		r.Header.Set("Content-Encoding", "gzip")
	}
	if req.encoding != "" {
		r.Header.Set("Content-Encoding", req.encoding)
	}
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, out
}

func checkError(t *testing.T, status int, header http.Header, body []byte, wantStatus int, wantMessage string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("status %d, want %d (body %s)", status, wantStatus, body)
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if diff := cmp.Diff(map[string]any{"error": wantMessage}, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// stored checks a success response, {"storageId": "N"}, and returns event N as stored.
func stored(t *testing.T, s *store.Store, status int, header http.Header, body []byte) plumbline.Event {
	t.Helper()
	if status != 200 {
		t.Fatalf("status %d, want 200 (body %s)", status, body)
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var resp map[string]any
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	idText, ok := resp["storageId"].(string)
	if !ok || len(resp) != 1 {
		t.Fatalf("body %s, want only a string storageId", body)
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		t.Fatalf("storageId %q is not an integer", idText)
	}
	events, err := s.EventsByID(context.Background(), []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("storageId %d: no such event", id)
	}
	if events[0].Timestamp.IsZero() {
		t.Errorf("event %d has no timestamp", id)
	}
	return events[0]
}

func lastID(t *testing.T, s *store.Store) int64 {
	t.Helper()
	id, err := s.LastStorageID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}
