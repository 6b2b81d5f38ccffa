package pipes_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbline/plumbline/pipes"
)

// tailResult collects what Tail passes on.
type tailResult struct {
	mu    sync.Mutex
	lines []string
	long  []*pipes.LineTooLongError
}

func (r *tailResult) fn(line []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, string(line))
}

func (r *tailResult) onLong(e *pipes.LineTooLongError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.long = append(r.long, e)
}

// tail runs Tail in the background; stopNow closes its stop channel, and wait closes it too
// and returns Tail's error. With report set, long lines go to r.long as they are met.
func tail(t *testing.T, tl pipes.Tailer, path string, report ...bool) (r *tailResult, wait func() error, stopNow func()) {
	t.Helper()
	r = &tailResult{}
	if len(report) > 0 && report[0] {
		tl.OnLongLine = r.onLong
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	go func() { done <- tl.Tail(ctx, path, stop, r.fn) }()
	var once sync.Once
	stopNow = func() { once.Do(func() { close(stop) }) }
	return r, func() error {
		stopNow()
		return <-done
	}, stopNow
}

func appendFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestTailFileReadsEveryLineOnceWhileItIsWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "messages.jsonl")
	f := appendFile(t, path)
	r, wait, _ := tail(t, pipes.Tailer{Poll: 5 * time.Millisecond}, path)

	rng := rand.New(rand.NewPCG(1, 2))
	var want []string
	for i := range 3000 {
		l := fmt.Sprintf(`{"n": %d, "pad": "%s"}`, i, strings.Repeat("x", rng.IntN(200)))
		if i%500 == 7 {
			l = strings.Repeat("L", 150<<10) // longer than one read
		}
		want = append(want, l)
		// Write the line in pieces, as a writer that is not atomic might.
		data := []byte(l + "\n")
		for len(data) > 0 {
			n := min(len(data), 1+rng.IntN(len(data)))
			if _, err := f.Write(data[:n]); err != nil {
				t.Fatal(err)
			}
			data = data[n:]
			if rng.IntN(50) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, r.lines); diff != "" {
		t.Errorf("lines (-want +got):\n%.2000s", diff)
	}
	if len(r.long) > 0 {
		t.Errorf("long lines: %v", r.long)
	}
}

func TestTailFileKeepsReadingAfterStopUntilTheFileStopsGrowing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "messages.jsonl")
	f := appendFile(t, path)
	r, wait, stop := tail(t, pipes.Tailer{Poll: 100 * time.Millisecond}, path)
	stop() // the process exited; a child of it goes on writing for a while
	var want []string
	deadline := time.Now().Add(400 * time.Millisecond)
	for i := 0; time.Now().Before(deadline); i++ {
		l := fmt.Sprintf("line %d", i)
		want = append(want, l)
		fmt.Fprintln(f, l)
		time.Sleep(time.Millisecond)
	}
	f.WriteString("last, without a newline")
	want = append(want, "last, without a newline")
	done := make(chan error, 1)
	go func() { done <- wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Tail did not return once the file stopped growing")
	}
	if diff := cmp.Diff(want, r.lines); diff != "" {
		t.Errorf("lines (-want +got):\n%.2000s", diff)
	}
}

func TestTailFileHandlesTheEndOfTheFile(t *testing.T) {
	for name, tc := range map[string]struct {
		content string
		want    []string
	}{
		"LastLineWithoutNewline":   {"a\nb", []string{"a", "b"}},
		"LastLineWithNewline":      {"a\nb\n", []string{"a", "b"}},
		"EmptyFile":                {"", nil},
		"EmptyLinesArePassedOn":    {"\n\na\n", []string{"", "", "a"}},
		"CarriageReturnIsKept":     {"a\r\nb\r\n", []string{"a\r", "b\r"}},
		"OnlyAPartialLine":         {`{"__dagster_pipes_version": "0.1"`, []string{`{"__dagster_pipes_version": "0.1"`}},
		"InvalidUTF8IsPassedAsIs":  {"\xff\xfe\n", []string{"\xff\xfe"}},
		"NULBytesArePassedAsIs":    {"a\x00b\n", []string{"a\x00b"}},
		"NoNewlineAndNothingAfter": {"x", []string{"x"}},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.jsonl")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			r, wait, _ := tail(t, pipes.Tailer{Poll: 5 * time.Millisecond}, path)
			if err := wait(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, r.lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTailFileSkipsAndReportsLinesOverTheLimit(t *testing.T) {
	longMessage := `{"__dagster_pipes_version": "0.1", "method": "log", "params": {"message": "` + strings.Repeat("x", 5000) + `"}}`
	offset2 := 8 + len(longMessage) + 1 + 1001 + 8
	for name, report := range map[string]bool{"AsTheyAreMet": true, "AtTheEnd": false} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.jsonl")
			f := appendFile(t, path)
			r, wait, _ := tail(t, pipes.Tailer{Poll: 5 * time.Millisecond, MaxLine: 1000}, path, report)
			f.WriteString("short 1\n")
			f.WriteString(longMessage[:700]) // the long line arrives in pieces
			time.Sleep(20 * time.Millisecond)
			f.WriteString(longMessage[700:] + "\n" + strings.Repeat("y", 1000) + "\nshort 2\n")
			f.WriteString(strings.Repeat("z", 1001)) // and a long last line without a newline
			err := wait()
			if diff := cmp.Diff([]string{"short 1", strings.Repeat("y", 1000), "short 2"}, r.lines); diff != "" {
				t.Errorf("lines (-want +got):\n%.500s", diff)
			}
			skippedLines := r.long
			if !report {
				var skipped *pipes.SkippedLinesError
				if !errors.As(err, &skipped) || skipped.Count != 2 {
					t.Fatalf("error %v, want a *SkippedLinesError for 2 lines", err)
				}
				want := fmt.Sprintf("skipped 2 lines longer than the 1000 bytes a Pipes message may have: %d bytes at offset 8, 1001 bytes at offset %d", len(longMessage), offset2)
				if err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
				skippedLines = skipped.Lines
			} else if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range skippedLines {
				got = append(got, fmt.Sprintf("%s | head %q", e, e.Head[:10]))
			}
			want := []string{
				fmt.Sprintf("skipped a line of %d bytes at offset 8: Pipes messages are limited to 1000 bytes | head %q", len(longMessage), longMessage[:10]),
				fmt.Sprintf("skipped a line of 1001 bytes at offset %d: Pipes messages are limited to 1000 bytes | head %q", offset2, "zzzzzzzzzz"),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("long lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTailFileSurvivesALineOverTheDefaultLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	content := strings.Repeat("x", pipes.DefaultMaxLine+1) + "\nafter\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	r, wait, _ := tail(t, pipes.Tailer{Poll: 5 * time.Millisecond}, path)
	err := wait()
	if diff := cmp.Diff([]string{"after"}, r.lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	want := fmt.Sprintf("skipped a line of %d bytes at offset 0: Pipes messages are limited to %d bytes", pipes.DefaultMaxLine+1, pipes.DefaultMaxLine)
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestTailFileWaitsForTheFileToAppear(t *testing.T) {
	path := filepath.Join(t.TempDir(), "later.jsonl")
	r, wait, _ := tail(t, pipes.Tailer{Poll: 5 * time.Millisecond}, path)
	time.Sleep(30 * time.Millisecond)
	if err := os.WriteFile(path, []byte("one\ntwo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"one", "two"}, r.lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestTailFileFailsWhenTheFileNeverAppears(t *testing.T) {
	_, wait, _ := tail(t, pipes.Tailer{Poll: 5 * time.Millisecond}, filepath.Join(t.TempDir(), "never.jsonl"))
	if err := wait(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want one wrapping os.ErrNotExist", err)
	}
}

func TestTailFileStopsWhenTheContextEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	os.WriteFile(path, []byte("a\n"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pipes.TailFile(ctx, path, make(chan struct{}), func([]byte) {}) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("TailFile did not return when its context was canceled")
	}
}

// splitResult collects what Split passes on.
type splitResult struct {
	messages []string // method and params
	bad      []string // line and error
	output   bytes.Buffer
	chunks   int
}

func (r *splitResult) split(t *testing.T, sp pipes.StreamSplitter, in io.Reader) error {
	t.Helper()
	return sp.Split(in,
		func(m pipes.Message) { r.messages = append(r.messages, m.Method+" "+string(m.Params)) },
		func(line []byte, err error) {
			r.bad = append(r.bad, fmt.Sprintf("%.40s | %v", line, err))
		},
		func(p []byte) { r.output.Write(p); r.chunks++ })
}

// chunkReader returns what it holds in pieces of random sizes.
type chunkReader struct {
	data []byte
	rng  *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1+c.rng.IntN(300))], c.data)
	c.data = c.data[n:]
	return n, nil
}

func TestSplitStreamSeparatesMessagesFromOutput(t *testing.T) {
	in := "starting\n" +
		line("opened", `{"extras": {}}`) + "\n" +
		`{"level": "info", "msg": "a structured log line of the program"}` + "\n" +
		"  indented output\r\n" +
		"\n" +
		line("log", `{"message": "hi", "level": "INFO"}`) + "\r\n" +
		`{"__dagster_pipes_version": "0.1", "method": "log", "params": {` + "\n" +
		"progress 10%\rprogress 20%\r" + "done\n" +
		"   " + line("closed", `{}`) + "\n" +
		"{not json at all\n" +
		"last line without newline {"
	wantOutput := "starting\n" +
		`{"level": "info", "msg": "a structured log line of the program"}` + "\n" +
		"  indented output\r\n" +
		"\n" +
		"progress 10%\rprogress 20%\r" + "done\n" +
		"{not json at all\n" +
		"last line without newline {"
	wantMessages := []string{`opened {"extras": {}}`, `log {"message": "hi", "level": "INFO"}`, "closed {}"}
	wantBad := []string{`{"__dagster_pipes_version": "0.1", "meth | Pipes message is not valid JSON: unexpected end of JSON input`}

	for name, r := range map[string]func() io.Reader{
		"AllAtOnce":      func() io.Reader { return strings.NewReader(in) },
		"OneByteAtATime": func() io.Reader { return iotest.OneByteReader(strings.NewReader(in)) },
		"RandomPieces":   func() io.Reader { return &chunkReader{data: []byte(in), rng: rand.New(rand.NewPCG(3, 4))} },
		"DataWithEOF":    func() io.Reader { return iotest.DataErrReader(strings.NewReader(in)) },
	} {
		t.Run(name, func(t *testing.T) {
			var res splitResult
			if err := res.split(t, pipes.StreamSplitter{}, r()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantOutput, res.output.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantMessages, res.messages); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantBad, res.bad); diff != "" {
				t.Errorf("bad messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplitStreamPassesOutputOnBeforeItsNewline(t *testing.T) {
	pr, pw := io.Pipe()
	got := make(chan string, 10)
	done := make(chan error, 1)
	go func() {
		done <- pipes.SplitStream(pr, nil, nil, func(p []byte) { got <- string(p) })
	}()
	pw.Write([]byte("progress 10%\r"))
	select {
	case s := <-got:
		if s != "progress 10%\r" {
			t.Errorf("output %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("output without a newline was held back")
	}
	pw.Write([]byte("progress 100%\n"))
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "progress 100%\n" {
		t.Errorf("output %q", s)
	}
}

func TestSplitStreamHandlesLongLines(t *testing.T) {
	longMessage := line("log", `{"message": "`+strings.Repeat("m", 3000)+`"}`)
	longJSONLog := `{"level": "info", "msg": "` + strings.Repeat("j", 3000) + `"}`
	longText := strings.Repeat("t", 3000)
	in := longText + "\n" + longMessage + "\n" + longJSONLog + "\n" + line("closed", "{}") + "\n" + longMessage
	var res splitResult
	if err := res.split(t, pipes.StreamSplitter{MaxLine: 1000}, &chunkReader{data: []byte(in), rng: rand.New(rand.NewPCG(5, 6))}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(longText+"\n"+longJSONLog+"\n", res.output.String()); diff != "" {
		t.Errorf("output (-want +got):\n%.300s", diff)
	}
	if diff := cmp.Diff([]string{"closed {}"}, res.messages); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	offset2 := len(longText) + 1 + len(longMessage) + 1 + len(longJSONLog) + 1 + len(line("closed", "{}")) + 1
	want := []string{
		fmt.Sprintf("%.40s | skipped a line of %d bytes at offset %d: Pipes messages are limited to 1000 bytes", longMessage, len(longMessage), len(longText)+1),
		fmt.Sprintf("%.40s | skipped a line of %d bytes at offset %d: Pipes messages are limited to 1000 bytes", longMessage, len(longMessage), offset2),
	}
	if diff := cmp.Diff(want, res.bad); diff != "" {
		t.Errorf("bad messages (-want +got):\n%s", diff)
	}
}

func TestSplitStreamSurvivesALineOverTheDefaultLimit(t *testing.T) {
	huge := line("log", `{"message": "`+strings.Repeat("m", pipes.DefaultMaxLine)+`"}`)
	var res splitResult
	if err := res.split(t, pipes.StreamSplitter{}, strings.NewReader(huge+"\nafter\n")); err != nil {
		t.Fatal(err)
	}
	if res.output.String() != "after\n" || len(res.bad) != 1 || len(res.messages) != 0 {
		t.Errorf("output %q, bad %v, messages %d", res.output.String(), res.bad, len(res.messages))
	}
}

func TestSplitStreamReturnsTheReadErrorAfterWhatItRead(t *testing.T) {
	broken := errors.New("pipe broke")
	in := io.MultiReader(strings.NewReader(line("opened", "{}")+"\npartial out"), iotest.ErrReader(broken))
	var res splitResult
	if err := res.split(t, pipes.StreamSplitter{}, in); !errors.Is(err, broken) {
		t.Errorf("error %v, want %v", err, broken)
	}
	if res.output.String() != "partial out" || len(res.messages) != 1 {
		t.Errorf("output %q, messages %v", res.output.String(), res.messages)
	}
}
