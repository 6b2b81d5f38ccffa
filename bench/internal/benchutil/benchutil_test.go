package benchutil

import "testing"

func TestMedianPercentileThousands(t *testing.T) {
	if got := Median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3 values = %v", got)
	}
	if got := Median([]int64{4, 1, 3, 2}); got != 2 {
		t.Errorf("median of 4 ints = %v, want 2 (integer mean of 2 and 3)", got)
	}
	if got := Median([]float64(nil)); got != 0 {
		t.Errorf("median of none = %v", got)
	}
	v := []float64{5, 1, 4, 2, 3}
	for p, want := range map[float64]float64{0: 1, 50: 3, 90: 5, 99: 5, 100: 5} {
		if got := Percentile(v, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	for v, want := range map[float64]string{0: "0", 999.5: "1,000", 1234567: "1,234,567", -1234.4: "-1,234"} {
		if got := Thousands(v); got != want {
			t.Errorf("Thousands(%v) = %q, want %q", v, got, want)
		}
	}
}
