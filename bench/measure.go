package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plumbline/plumbline/bench/internal/benchutil"
)

// A side is one half of a comparison: it measures once, for one round, and returns the
// round's value (a rate for throughput, seconds per operation for latency).
type side func(ctx context.Context) (float64, error)

// comparison describes one line of the results table.
type comparison struct {
	Name      string // e.g. "rest single-event (Go, 32 clients)"
	DB        string // postgres or sqlite
	BaseLabel string // what the baseline is, e.g. "pgx INSERT"
	CandLabel string // what the candidate is
	Unit      string // "ev/s", "req/s" or "ms"
	// Latency is true for times (lower is better; the ratio is candidate/baseline time and
	// the target a maximum); false for rates (higher is better; the ratio is
	// candidate/baseline rate and the target a minimum).
	Latency bool
	Target  float64
	Note    string
}

// result is a comparison measured.
type result struct {
	comparison
	Base, Cand       []float64 // per round
	BaseMed, CandMed float64
	Ratio            float64
	Pass             bool
	Err              string
}

// compare runs rounds of baseline and candidate, interleaved (ABBA: the order alternates
// each round, so drift and warm-up favour neither), and reports the median of each and
// the ratio of the medians.
func (b *runner) compare(ctx context.Context, c comparison, base, cand side) *result {
	if b.cfg.AB != "" {
		c.BaseLabel, c.CandLabel = "A (-ab binary)", "B (-bin binary)"
		c.Target = 0
	}
	r := &result{comparison: c}
	tag := c.Name + " [" + c.DB + "]"
	for round := range b.cfg.Rounds {
		sides := []struct {
			name string
			fn   side
			out  *[]float64
		}{{"baseline", base, &r.Base}, {"candidate", cand, &r.Cand}}
		if round%2 == 1 {
			sides[0], sides[1] = sides[1], sides[0]
		}
		for _, s := range sides {
			v, err := s.fn(ctx)
			if err != nil {
				r.Err = fmt.Sprintf("%s round %d: %v", s.name, round+1, err)
				progress("%s: %s", tag, r.Err)
				b.results = append(b.results, r)
				return r
			}
			*s.out = append(*s.out, v)
		}
		progress("%s round %d/%d: baseline %s, candidate %s", tag, round+1, b.cfg.Rounds,
			c.format(r.Base[round]), c.format(r.Cand[round]))
	}
	r.BaseMed, r.CandMed = benchutil.Median(r.Base), benchutil.Median(r.Cand)
	r.Ratio = r.CandMed / r.BaseMed
	if c.Target == 0 { // A/B: no target
		r.Pass = true
	} else if c.Latency {
		r.Pass = r.Ratio <= c.Target
	} else {
		r.Pass = r.Ratio >= c.Target
	}
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	progress("%s: baseline %s, candidate %s, ratio %.2f (target %s) %s", tag, c.format(r.BaseMed), c.format(r.CandMed), r.Ratio, c.target(), verdict)
	b.results = append(b.results, r)
	return r
}

func (c comparison) format(v float64) string {
	if c.Latency {
		return fmt.Sprintf("%.2f ms", v*1000)
	}
	return benchutil.Thousands(v) + " " + c.Unit
}

func (c comparison) target() string {
	if c.Target == 0 {
		return "A/B"
	}
	if c.Latency {
		return fmt.Sprintf("≤ %g×", c.Target)
	}
	return fmt.Sprintf("≥ %g", c.Target)
}

// throughput runs op on workers goroutines until d has passed, and returns the units op
// reports done per second. Operations in flight at the deadline are finished and counted;
// the time is until the last one ends. The first error stops every worker.
func throughput(ctx context.Context, d time.Duration, workers int, op func(ctx context.Context, worker int) (int, error)) (float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		total    atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				n, err := op(ctx, w)
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				total.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(total.Load()) / elapsed.Seconds(), nil
}

// count runs op on workers goroutines until n units are done (each op claims one
// unit), and returns the units done per second: a fixed amount of work, so that baseline
// and candidate add as many rows each to tables that grow.
func count(ctx context.Context, n, workers int, op func(ctx context.Context, unit int) error) (float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				u := int(next.Add(1)) - 1
				if u >= n {
					return
				}
				if err := op(ctx, u); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// latency runs op, one at a time, at least minIters times and for at least d, and returns
// the median time of one run in seconds.
func latency(ctx context.Context, d time.Duration, minIters int, op func(ctx context.Context) error) (float64, error) {
	var times []float64
	start := time.Now()
	for len(times) < minIters || time.Since(start) < d {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		t := time.Now()
		if err := op(ctx); err != nil {
			return 0, err
		}
		times = append(times, time.Since(t).Seconds())
	}
	return benchutil.Median(times), nil
}

// newHTTPClient returns a client keeping up to conns connections alive to one server.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        conns * 2,
			MaxIdleConnsPerHost: conns * 2,
			IdleConnTimeout:     2 * time.Minute,
			DisableCompression:  true,
		},
		Timeout: 5 * time.Minute,
	}
}

// post sends a JSON body and returns the response body; a status other than 200 is an
// error.
func post(ctx context.Context, hc *http.Client, url string, body []byte, into *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	into.Reset()
	if _, err := io.Copy(into, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %.300s", url, resp.Status, into.Bytes())
	}
	return nil
}

// progress prints a progress line on stderr.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
