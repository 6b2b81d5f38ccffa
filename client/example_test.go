package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/client"
)

// Metadata is built from one entry per value; each helper fixes the value's type.
func Example_metadata() {
	md := plumbline.Metadata{
		client.Int("dagster/row_count", 1200),
		client.Float("duration_seconds", 3), // a float, even when whole
		client.Float("error_rate", math.NaN()),
		client.Bool("complete", true),
		client.URL("dashboard", "https://bi.example.com/orders"),
		client.Timestamp("watermark", time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)),
		client.Asset("source", plumbline.AssetKey{"raw", "orders"}),
		client.JSON("config", json.RawMessage(`{"mode": "incremental"}`)),
	}
	for _, e := range md {
		fmt.Printf("%-17s %-9s %s\n", e.Key, e.Type, e.Value)
	}
	// Output:
	// dagster/row_count int       1200
	// duration_seconds  float     3.0
	// error_rate        float     "NaN"
	// complete          bool      true
	// dashboard         url       "https://bi.example.com/orders"
	// watermark         timestamp 1795240800
	// source            asset     "raw/orders"
	// config            json      {"mode": "incremental"}
}

// Metadata written as JSON, as Dagster's REST API and the command line's --metadata-json
// take it, decodes to the same entries: plain values have their type inferred, and
// {"raw_value", "type"} gives it.
func Example_metadataFromJSON() {
	md, err := plumbline.DecodeMetadata([]byte(`{
		"rows": 1200,
		"ratio": 0.25,
		"seconds": {"raw_value": 3, "type": "float"},
		"dashboard": {"raw_value": "https://bi.example.com/orders", "type": "url"}
	}`))
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range md {
		fmt.Printf("%s %s %s\n", e.Key, e.Type, e.Value)
	}
	// Output:
	// rows int 1200
	// ratio float 0.25
	// seconds float 3
	// dashboard url "https://bi.example.com/orders"
}

func ExampleNew() {
	c := client.New("localhost:3000/",
		client.WithToken(os.Getenv("PLUMBLINE_TOKEN")),
		client.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}),
		client.WithUserAgent("nightly-loader/1.4"),
	)
	fmt.Println(c.URL())
	// Output: http://localhost:3000
}

func ExampleClient_ReportMaterialization() {
	c := client.New("http://localhost:3000")
	ctx := context.Background()
	id, err := c.ReportMaterialization(ctx, plumbline.MustParseAssetKey("warehouse/orders"), client.Report{
		DataVersion: "2026-11-21T06:00",
		Partition:   "2026-11-21",
		Metadata:    plumbline.Metadata{client.Int("dagster/row_count", 1200), client.Float("duration_seconds", 41.7)},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("storage id", id)
}

func ExampleClient_ReportCheck() {
	c := client.New("http://localhost:3000")
	_, err := c.ReportCheck(context.Background(), plumbline.MustParseAssetKey("warehouse/orders"), client.CheckResult{
		Name:     "no_null_ids",
		Passed:   false,
		Severity: plumbline.SeverityWarn,
		Metadata: plumbline.Metadata{client.Int("null_ids", 3)},
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_ReportEvents() {
	c := client.New("http://localhost:3000")
	key := plumbline.MustParseAssetKey("warehouse/orders")
	ids, err := c.ReportEvents(context.Background(), []plumbline.Event{
		{Type: plumbline.AssetMaterialization, AssetKey: key, DataVersion: "v42"},
		{Type: plumbline.AssetCheckEvaluation, AssetKey: key, CheckName: "no_null_ids", Passed: new(true)},
		{Type: plumbline.Log, Level: "INFO", Message: "orders rebuilt"},
	})
	if err != nil {
		log.Fatal(err) // nothing was recorded
	}
	fmt.Println(ids)
}

func ExampleClient_ApplyDefinitions() {
	c := client.New("http://localhost:3000")
	data, err := os.ReadFile("plumbline.yaml")
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.ApplyDefinitions(context.Background(), string(data), "dbt")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d added, %d updated, %d removed, %d unchanged\n", len(res.Added), len(res.Updated), len(res.Removed), res.Unchanged)
}

// Query decodes into any struct. Metadata values are json.RawMessage, so an int and a
// float stay apart.
func ExampleClient_Query() {
	c := client.New("http://localhost:3000")
	var out struct {
		Asset *struct {
			LatestMaterialization *struct {
				Timestamp time.Time
				Metadata  plumbline.Metadata
			}
		}
	}
	err := c.Query(context.Background(), `query($key: AssetKeyInput!) {
  asset(key: $key) { latestMaterialization { timestamp metadata { key type value } } }
}`, map[string]any{"key": map[string]any{"path": []string{"warehouse", "orders"}}}, &out)
	if err != nil {
		log.Fatal(err)
	}
	if out.Asset == nil || out.Asset.LatestMaterialization == nil {
		fmt.Println("never materialized")
		return
	}
	for _, e := range out.Asset.LatestMaterialization.Metadata {
		fmt.Println(e.Key, e.Type, string(e.Value))
	}
}

// A server's error keeps its code and message; a server that cannot be reached gives a
// *client.TransportError.
func Example_errors() {
	// A stand-in for a server that rejects the report.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintln(w, `{"error": "metadata \"n\" of type int needs an integer, got a string"}`)
	}))
	defer srv.Close()

	c := client.New(srv.URL)
	_, err := c.ReportMaterialization(context.Background(), plumbline.AssetKey{"a"}, client.Report{})
	fmt.Println(plumbline.ErrorCode(err), err)

	srv.Close()
	_, err = c.ReportMaterialization(context.Background(), plumbline.AssetKey{"a"}, client.Report{})
	var te *client.TransportError
	fmt.Println(errors.As(err, &te), te.Method)
	// Output:
	// invalid metadata "n" of type int needs an integer, got a string
	// true POST
}
