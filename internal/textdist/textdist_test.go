package textdist

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"key", "key", 0}, {"", "abc", 3}, {"abc", "", 3},
		{"kye", "key", 1}, // a transposition costs one
		{"descriptoin", "description", 1},
		{"grop", "group", 1}, {"owner", "owners", 1}, {"kitten", "sitting", 3},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
