package main

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// dist is a latency distribution, nanoseconds.
type dist struct {
	N                  int
	P50, P90, P99, Max int64
}

func distOf(v []int64) dist {
	if len(v) == 0 {
		return dist{}
	}
	slices.Sort(v)
	return dist{N: len(v), P50: nearestRank(v, 50), P90: nearestRank(v, 90), P99: nearestRank(v, 99), Max: v[len(v)-1]}
}

// nearestRank returns the nearest-rank percentile p of sorted v.
func nearestRank(v []int64, p float64) int64 {
	i := int(math.Ceil(float64(len(v))*p/100)) - 1
	return v[min(max(i, 0), len(v)-1)]
}

// sideResult is what one side (a baseline or a candidate) measured in one round.
type sideResult struct {
	Commit    dist    // commit acknowledged → delivered, over (event, receiver) pairs
	Send      dist    // write sent → delivered
	Ack       dist    // write sent → commit acknowledged (the writer's own latency)
	Delivered float64 // deliveries per second, all receivers together
	Written   float64 // writes per second achieved in the timed part
	Offered   float64 // writes per second scheduled
	NotSent   int     // writes not sent: the side's time ran out
	Lag       int64   // how late the latest write was sent, behind its schedule
	Receivers int
	CPU       []float64 // candidates: cores used by this process, then by each replica (timed part and drain)

	// candidates run by a binary: CPU seconds per delivery (an event to a subscriber) of the
	// replicas together, and of this process, from the probe to the end of the drain
	ServerCPUPerDelivery, BenchCPUPerDelivery float64
	Events                                    int      // events each receiver should have had (timed and warm-up)
	Problems                                  []string // completeness failures; empty when every receiver had every event once, in order
}

// analysis puts a side's writes and deliveries together.
type analysis struct {
	writes  []write
	timed   int64            // writes sent from this time on are timed (the others are the warm-up)
	rate    float64          // scheduled writes per second
	byID    map[int64]int    // id → index of the write
	expect  func(i int) bool // whether write i should reach a receiver
	ordered bool             // deliveries must come in increasing id order (storage ids), not just once each
	extra   []int64          // ids a receiver must also get that no timed writer made (the probe)
	from    int64            // deliveries of ids below this are ignored (earlier probes)
}

// analyze checks completeness and computes the latencies of the side.
func analyze(a analysis, recvs []*receiver) sideResult {
	var res sideResult
	res.Receivers = len(recvs)
	var problems []string
	problem := func(format string, args ...any) {
		if len(problems) < 12 {
			problems = append(problems, fmt.Sprintf(format, args...))
		} else if len(problems) == 12 {
			problems = append(problems, "…")
		}
	}
	var failedWrites, notSent int
	expected := map[int64]bool{}
	for _, id := range a.extra {
		expected[id] = true
	}
	var acks []int64
	firstSend, lastSend := int64(math.MaxInt64), int64(0)
	for i, w := range a.writes {
		if errors.Is(w.err, errNotSent) {
			notSent++
			continue
		}
		if w.err != nil {
			failedWrites++
			if failedWrites <= 3 {
				problem("write %d failed: %v", i, w.err)
			}
			continue
		}
		if a.expect(i) {
			expected[w.id] = true
		}
		if w.send >= a.timed {
			acks = append(acks, w.ack-w.send)
			firstSend = min(firstSend, w.send)
			lastSend = max(lastSend, w.send)
		}
	}
	if failedWrites > 0 {
		problem("%d writes failed", failedWrites)
	}
	res.Ack = distOf(acks)
	res.NotSent = notSent
	res.Offered = a.rate
	if len(acks) > 0 {
		// writes per second over the timed part's schedule, or longer when it ran over
		span := max(a.writes[len(a.writes)-1].due, lastSend) - a.timed
		if span > 0 {
			res.Written = float64(len(acks)) / (float64(span) / 1e9)
		}
	}
	res.Events = len(expected)
	want := make([]int64, 0, len(expected))
	for id := range expected {
		want = append(want, id)
	}
	slices.Sort(want)

	var commit, send []int64
	timed := 0
	for id := range expected {
		if i, ok := a.byID[id]; ok && a.writes[i].send >= a.timed {
			timed++
		}
	}
	commit = make([]int64, 0, timed*len(recvs))
	send = make([]int64, 0, timed*len(recvs))
	lastDelivery := int64(0)
	for r, rv := range recvs {
		if err := rv.failure(); err != nil {
			problem("receiver %d: %v", r, err)
		}
		seen := make(map[int64]bool, len(rv.recs))
		var dups, unexpected, disorder int
		prev := int64(math.MinInt64)
		for _, d := range rv.recs {
			if d.id < a.from {
				continue
			}
			if seen[d.id] {
				dups++
			}
			seen[d.id] = true
			if a.ordered && d.id <= prev {
				disorder++
			}
			prev = d.id
			if !expected[d.id] {
				unexpected++
				continue
			}
			i, ok := a.byID[d.id]
			if !ok || a.writes[i].send < a.timed {
				continue
			}
			w := a.writes[i]
			commit = append(commit, d.t-w.ack)
			send = append(send, d.t-w.send)
			lastDelivery = max(lastDelivery, d.t)
		}
		missing := 0
		firstMissing := int64(-1)
		for _, id := range want {
			if !seen[id] {
				if missing == 0 {
					firstMissing = id
				}
				missing++
			}
		}
		if missing > 0 {
			problem("receiver %d: %d of %d events missing (first: %d; got %d deliveries, last %d)", r, missing, len(want), firstMissing, len(rv.recs), rv.last.Load())
		}
		if dups > 0 {
			problem("receiver %d: %d duplicates", r, dups)
		}
		if disorder > 0 {
			problem("receiver %d: %d deliveries out of storage id order", r, disorder)
		}
		if unexpected > 0 {
			problem("receiver %d: %d deliveries of events it should not have had", r, unexpected)
		}
	}
	if len(commit) == 0 {
		problem("no delivery was timed (no write was acknowledged after the warm-up)")
	}
	res.Commit = distOf(commit)
	res.Send = distOf(send)
	if len(commit) > 0 && lastDelivery > firstSend {
		res.Delivered = float64(len(commit)) / (float64(lastDelivery-firstSend) / 1e9)
	}
	for _, w := range a.writes {
		if w.err == nil {
			res.Lag = max(res.Lag, w.send-w.due)
		}
	}
	res.Problems = problems
	return res
}

// ms formats nanoseconds as milliseconds with a precision that suits the size.
func ms(ns int64) string {
	v := float64(ns) / 1e6
	a := math.Abs(v)
	switch {
	case a < 1:
		return fmt.Sprintf("%.2f", v)
	case a < 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func seconds(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }
