// Package benchutil holds what the benchmark programs share: the run's context (revision,
// load), medians and percentiles, and number formatting.
package benchutil

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// GitRevision names the commit the benchmark runs on, and whether the tree has changes.
func GitRevision() string {
	rev, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "git revision unknown"
	}
	s := "commit " + strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		s += " + uncommitted changes"
	}
	return s
}

// LoadAverage returns the machine's 1, 5 and 15-minute load averages, or "unknown".
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// Number is what Median and Percentile take.
type Number interface{ ~int64 | ~float64 }

// Median returns the median of v (0 for none); of an even count, the mean of the middle two.
func Median[T Number](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Percentile returns the nearest-rank percentile p (0–100) of v (0 for none).
func Percentile[T cmp.Ordered](v []T, p float64) T {
	var zero T
	if len(v) == 0 {
		return zero
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.9999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// Thousands formats v rounded to an integer, with thousands separators.
func Thousands(v float64) string {
	n := int64(math.Round(v))
	s := fmt.Sprint(n)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return sign + string(out)
}
