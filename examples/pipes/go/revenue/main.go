// Command revenue is a Go program launched by Plumbline through Pipes: it computes one day
// of revenue for the partition it is given, reports the materialization with its metadata,
// and checks the result.
//
// Declare it as the command of an asset:
//
//	pipes:
//	  command: [go, run, ./examples/pipes/go/revenue]
package main

import (
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"time"

	"github.com/plumbline/plumbline/dagsterpipes"
)

func main() {
	pipes, err := dagsterpipes.Open()
	if err != nil {
		fmt.Fprintln(os.Stderr, "revenue:", err)
		os.Exit(1)
	}
	if err := run(pipes); err != nil {
		pipes.CloseWithError(err)
		os.Exit(1)
	}
	pipes.Close()
}

func run(pipes *dagsterpipes.Context) error {
	day := pipes.PartitionKey()
	if day == "" {
		day = time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return fmt.Errorf("partition %q is not a day (YYYY-MM-DD)", day)
	}
	pipes.Log().Infof("computing revenue for %s", day)
	start := time.Now()

	// Stand-in for the real query: a deterministic figure per day.
	h := fnv.New32a()
	h.Write([]byte(day))
	orders := 4000 + int(h.Sum32()%2000)
	revenue := math.Round(float64(orders)*37.5+float64(h.Sum32()%1000)) / 1.0
	fmt.Printf("summed %d orders for %s\n", orders, day)

	err := pipes.ReportAssetMaterialization(dagsterpipes.Materialization{
		DataVersion: fmt.Sprintf("%s-%d", day, orders),
		Metadata: map[string]dagsterpipes.MetadataValue{
			"dagster/row_count": dagsterpipes.Int(orders),
			"revenue_usd":       dagsterpipes.Float(revenue),
			"duration_seconds":  dagsterpipes.Float(time.Since(start).Seconds()),
			"summary":           dagsterpipes.Markdown(fmt.Sprintf("**%d** orders, **$%.2f** on %s", orders, revenue, day)),
		},
	})
	if err != nil {
		return err
	}
	return pipes.ReportAssetCheck(dagsterpipes.Check{
		CheckName: "net_revenue_not_negative",
		Passed:    revenue >= 0,
		Metadata:  map[string]dagsterpipes.MetadataValue{"revenue_usd": dagsterpipes.Float(revenue)},
	})
}
