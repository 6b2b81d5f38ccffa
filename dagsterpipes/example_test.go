package dagsterpipes_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/plumbline/plumbline/dagsterpipes"
)

// orchestratorEnv stands in for the environment Plumbline gives a launched program: the
// context inline, messages on stdout. A real program calls dagsterpipes.Open, which reads
// os.LookupEnv.
func orchestratorEnv() func(string) (string, bool) {
	ctx, _ := dagsterpipes.EncodeParam(map[string]any{"data": map[string]any{
		"asset_keys": []string{"warehouse/orders"}, "code_version_by_asset_key": nil,
		"provenance_by_asset_key": nil, "partition_key": "2024-01-01",
		"partition_key_range":   map[string]string{"start": "2024-01-01", "end": "2024-01-01"},
		"partition_time_window": nil, "run_id": "run-1", "job_name": nil, "retry_number": 0,
		"extras": map[string]any{"source": "s3://raw/orders"},
	}})
	msgs, _ := dagsterpipes.EncodeParam(map[string]string{"stdio": "stdout"})
	return func(name string) (string, bool) {
		switch name {
		case dagsterpipes.EnvContext:
			return ctx, true
		case dagsterpipes.EnvMessages:
			return msgs, true
		}
		return "", false
	}
}

// A program that materializes its asset and reports a check on it. The output shows the
// messages it sends, one line each.
func Example() {
	pipes, err := dagsterpipes.OpenWith(dagsterpipes.Options{LookupEnv: orchestratorEnv()}) // dagsterpipes.Open() in a real program
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer pipes.Close()

	source, _ := pipes.Extra("source")
	pipes.Log().Infof("loading %s for %s", source, pipes.PartitionKey())
	rows := 1200
	pipes.ReportAssetMaterialization(dagsterpipes.Materialization{
		DataVersion: "v42",
		Metadata: map[string]dagsterpipes.MetadataValue{
			"rows":      dagsterpipes.Int(rows),
			"dashboard": dagsterpipes.URL("https://bi.example.com/orders"),
		},
	})
	pipes.ReportAssetCheck(dagsterpipes.Check{
		CheckName: "not_empty",
		Passed:    rows > 0,
		Metadata:  map[string]dagsterpipes.MetadataValue{"rows": dagsterpipes.Int(rows)},
	})
	// Output:
	// {"__dagster_pipes_version":"0.1","method":"opened","params":{"extras":{}}}
	// {"__dagster_pipes_version":"0.1","method":"log","params":{"level":"INFO","message":"loading s3://raw/orders for 2024-01-01"}}
	// {"__dagster_pipes_version":"0.1","method":"report_asset_materialization","params":{"asset_key":"warehouse/orders","data_version":"v42","metadata":{"dashboard":{"raw_value":"https://bi.example.com/orders","type":"url"},"rows":{"raw_value":1200,"type":"int"}}}}
	// {"__dagster_pipes_version":"0.1","method":"report_asset_check","params":{"asset_key":"warehouse/orders","check_name":"not_empty","metadata":{"rows":{"raw_value":1200,"type":"int"}},"passed":true,"severity":"ERROR"}}
	// {"__dagster_pipes_version":"0.1","method":"closed","params":{}}
}

// When the work fails, close the session with the error: the run fails, and its log shows
// the error, what it wraps, and where it was reported.
func ExampleContext_CloseWithError() {
	pipes, _ := dagsterpipes.OpenWith(dagsterpipes.Options{LookupEnv: orchestratorEnv(), Stdout: io.Discard})
	err := fmt.Errorf("load orders: %w", errors.New("connection refused"))
	pipes.CloseWithError(err)
	fmt.Println(pipes.ReportCustomMessage("too late"))
	// Output:
	// dagsterpipes: the Pipes context is closed
}

// Every metadata type has a constructor; plain values go through Infer.
func ExampleMetadataValue() {
	md := map[string]dagsterpipes.MetadataValue{
		"rows":   dagsterpipes.Int(10),
		"ratio":  dagsterpipes.Float(1),
		"owner":  dagsterpipes.Infer("team:data"),
		"source": dagsterpipes.Asset("raw/orders"),
		"schema": dagsterpipes.TableSchema(dagsterpipes.TableColumn{Name: "id", Type: "int"}),
	}
	b, _ := json.MarshalIndent(md, "", "  ")
	fmt.Println(string(b))
	// Output:
	// {
	//   "owner": {
	//     "raw_value": "team:data",
	//     "type": "__infer__"
	//   },
	//   "ratio": {
	//     "raw_value": 1.0,
	//     "type": "float"
	//   },
	//   "rows": {
	//     "raw_value": 10,
	//     "type": "int"
	//   },
	//   "schema": {
	//     "raw_value": {
	//       "columns": [
	//         {
	//           "name": "id",
	//           "type": "int"
	//         }
	//       ]
	//     },
	//     "type": "table_schema"
	//   },
	//   "source": {
	//     "raw_value": "raw/orders",
	//     "type": "asset"
	//   }
	// }
}

// Run on its own, outside any orchestrator, a program still works: its Pipes calls do
// nothing.
func ExampleOpen_standalone() {
	pipes, err := dagsterpipes.OpenWith(dagsterpipes.Options{
		LookupEnv: func(string) (string, bool) { return "", false }, // no DAGSTER_PIPES_CONTEXT
		Stderr:    io.Discard,                                       // where the warning goes
	})
	fmt.Println(pipes.IsPiped(), err)
	fmt.Println(pipes.ReportAssetMaterialization(dagsterpipes.Materialization{}))
	// Output:
	// false <nil>
	// <nil>
}
