package plumbline

import (
	"time"

	"github.com/robfig/cron/v3"
)

// Freshness statuses.
const (
	Fresh          = "FRESH"
	Stale          = "STALE"
	FreshnessUnset = "UNKNOWN" // no policy
)

// FreshnessState is how fresh an asset is at a moment.
type FreshnessState struct {
	Status string
	// Deadline is when the asset stops being fresh (when fresh), or when it should have
	// been materialized by (when stale). Zero without a policy.
	Deadline time.Time
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Evaluate says whether an asset last materialized at latest (zero: never) is fresh at
// now. Without Cron, it must have been materialized within MaxLag of now. With Cron, it
// must have data no older than MaxLag as of the latest tick of the schedule: a
// materialization at or after that tick minus MaxLag.
func (p *FreshnessPolicy) Evaluate(latest, now time.Time) FreshnessState {
	if p == nil || p.MaxLag <= 0 {
		return FreshnessState{Status: FreshnessUnset}
	}
	lag := time.Duration(p.MaxLag)
	if p.Cron == "" {
		if latest.IsZero() || now.Sub(latest) > lag {
			return FreshnessState{Status: Stale, Deadline: now}
		}
		return FreshnessState{Status: Fresh, Deadline: latest.Add(lag)}
	}
	sched, err := cronParser.Parse(p.Cron)
	if err != nil {
		return FreshnessState{Status: FreshnessUnset}
	}
	tick := lastTick(sched, now)
	if latest.IsZero() || latest.Before(tick.Add(-lag)) {
		return FreshnessState{Status: Stale, Deadline: tick}
	}
	// Fresh until the next tick demands data newer than this materialization allows.
	return FreshnessState{Status: Fresh, Deadline: nextTickAfter(sched, latest.Add(lag))}
}

// lastTick returns the latest tick of s at or before now (searching back up to a year).
func lastTick(s cron.Schedule, now time.Time) time.Time {
	for span := time.Hour; span <= 366*24*time.Hour; span *= 4 {
		var last time.Time
		for t := s.Next(now.Add(-span)); !t.After(now); t = s.Next(t) {
			last = t
		}
		if !last.IsZero() {
			return last
		}
	}
	return now
}

// nextTickAfter returns the first tick of s strictly after t.
func nextTickAfter(s cron.Schedule, t time.Time) time.Time { return s.Next(t) }
