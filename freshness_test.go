package plumbline_test

import (
	"testing"
	"time"

	"github.com/plumbline/plumbline"
)

func TestFreshness(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	day := plumbline.Duration(24 * time.Hour)
	for name, tc := range map[string]struct {
		policy *plumbline.FreshnessPolicy
		latest time.Time
		want   string
	}{
		"NoPolicyIsUnknown":                 {nil, now, plumbline.FreshnessUnset},
		"WithinMaxLagIsFresh":               {&plumbline.FreshnessPolicy{MaxLag: day}, now.Add(-23 * time.Hour), plumbline.Fresh},
		"OlderThanMaxLagIsStale":            {&plumbline.FreshnessPolicy{MaxLag: day}, now.Add(-25 * time.Hour), plumbline.Stale},
		"NeverMaterializedIsStale":          {&plumbline.FreshnessPolicy{MaxLag: day}, time.Time{}, plumbline.Stale},
		"CronMaterializedAfterTickIsFresh":  {&plumbline.FreshnessPolicy{MaxLag: plumbline.Duration(time.Hour), Cron: "0 6 * * *"}, now.Add(-6*time.Hour + time.Minute), plumbline.Fresh},
		"CronMaterializedLongBeforeIsStale": {&plumbline.FreshnessPolicy{MaxLag: plumbline.Duration(time.Hour), Cron: "0 6 * * *"}, now.Add(-8 * time.Hour), plumbline.Stale},
		"CronLagReachesBeforeTheTick":       {&plumbline.FreshnessPolicy{MaxLag: plumbline.Duration(3 * time.Hour), Cron: "0 6 * * *"}, now.Add(-8 * time.Hour), plumbline.Fresh},
	} {
		t.Run(name, func(t *testing.T) {
			if got := tc.policy.Evaluate(tc.latest, now); got.Status != tc.want {
				t.Errorf("status %s (deadline %v), want %s", got.Status, got.Deadline, tc.want)
			}
		})
	}
}
