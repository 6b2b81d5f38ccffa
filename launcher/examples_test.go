package launcher_test

import (
	"testing"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/defs"
	"github.com/plumbline/plumbline/internal/dbtest"
)

// The example platform's launchable assets run as `make run` runs them: the Go program
// through the dagsterpipes client, and the shell script on stdout.
func TestExamplePlatformLaunchableAssetsSucceed(t *testing.T) {
	s := dbtest.SQLite(t)
	d, err := defs.Load("../examples/platform/plumbline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyDefinitions(ctx, "", d); err != nil {
		t.Fatal(err)
	}
	l := start(t, s, nil)
	for key, partition := range map[string]string{"marts/fct_revenue_daily": "2026-11-20", "ml/churn_features": ""} {
		run := wait(t, s, launch(t, s, l, partition, key).ID, finished)
		if run.Status != plumbline.StatusSuccess {
			t.Errorf("%s: run %s: %s\nstderr: %s", key, run.Status, run.Message, output(t, s, run.ID, plumbline.Stderr))
			continue
		}
		evs := runEvents(t, s, run.ID)
		mat := find(evs, plumbline.AssetMaterialization, "")
		if mat == nil || mat.AssetKey.String() != key || mat.Partition != partition || mat.Description != "" {
			t.Errorf("%s: materialization %+v", key, mat)
			continue
		}
		if rows, ok := mat.Metadata.Get("dagster/row_count"); !ok || rows.Type != "int" {
			t.Errorf("%s: row count %+v", key, rows)
		}
	}
	checks, _ := s.Checks(ctx, []plumbline.AssetKey{plumbline.MustParseAssetKey("marts/fct_revenue_daily")})
	if cs := checks["marts/fct_revenue_daily"]; len(cs) != 1 || cs[0].Status() != plumbline.CheckPassed {
		t.Errorf("the Go program's check: %+v", cs)
	}
}
