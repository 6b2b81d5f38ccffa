package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plumbline/plumbline/client"
	"github.com/plumbline/plumbline/internal/dbtest"
	"github.com/plumbline/plumbline/internal/e2e"
)

const eventsSub = `subscription($f: EventFilter, $after: ID) { events(filter: $f, after: $after) { storageId type assetKey { string } } }`

type subEvent struct {
	StorageID string
	Type      string
	AssetKey  *struct{ String string }
}

// follow subscribes and sends the events it receives on a channel, closed when the
// subscription ends; the error it ended with goes on errc.
func follow(ctx context.Context, srv *e2e.Server, vars map[string]any) (<-chan subEvent, <-chan error) {
	out := make(chan subEvent, 100000)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		c := client.New(srv.URL)
		errc <- c.Subscribe(ctx, eventsSub, vars, func(data json.RawMessage) error {
			var d struct{ Events subEvent }
			if err := json.Unmarshal(data, &d); err != nil {
				return err
			}
			out <- d.Events
			return nil
		})
	}()
	return out, errc
}

// reportMany posts n materializations of key in batches of batch through reportEvents.
func reportMany(t *testing.T, srv *e2e.Server, key string, n, batch int) {
	t.Helper()
	c := client.New(srv.URL)
	for sent := 0; sent < n; sent += batch {
		var evs []map[string]any
		for i := 0; i < min(batch, n-sent); i++ {
			evs = append(evs, map[string]any{"type": "ASSET_MATERIALIZATION", "assetKey": map[string]any{"path": []string{key}}})
		}
		if err := c.Query(context.Background(), `mutation($e: [EventInput!]!) { reportEvents(events: $e) { storageIds } }`, map[string]any{"e": evs}, nil); err != nil {
			t.Error(err)
			return
		}
	}
}

// metrics returns the server's /metrics page.
func metrics(t *testing.T, srv *e2e.Server) string {
	t.Helper()
	status, body := do(t, http.MethodGet, srv.URL+"/metrics", "", nil)
	if status != http.StatusOK {
		t.Fatalf("metrics: %d %s", status, body)
	}
	return body
}

// expectIDs reads events until it has ids first..last in order, exactly once each.
func expectIDs(t *testing.T, events <-chan subEvent, first, last int64) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for want := first; want <= last; want++ {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("the subscription ended at %d, before %d", want-1, last)
			}
			if got, _ := strconv.ParseInt(e.StorageID, 10, 64); got != want {
				t.Fatalf("got storage id %d, want %d: a gap or a duplicate", got, want)
			}
		case <-deadline:
			t.Fatalf("waited for storage id %d of %d", want, last)
		}
	}
}

func TestSubscriptionReplaysThenGoesLiveWithoutGapOrDuplicate(t *testing.T) {
	e2e.Each(t, func(t *testing.T, srv *e2e.Server) {
		reportMany(t, srv, "before", 500, 50)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); reportMany(t, srv, "during", 2000, 7) }()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Subscribers join from the start, from the middle and live-only while writes go on.
		all, _ := follow(ctx, srv, map[string]any{"after": "0"})
		time.Sleep(100 * time.Millisecond)
		mid, _ := follow(ctx, srv, map[string]any{"after": "250"})
		wg.Wait()
		expectIDs(t, all, 1, 2500)
		expectIDs(t, mid, 251, 2500)
	})
}

func TestSubscriptionFilters(t *testing.T) {
	srv := e2e.Start(t, "--defs", jobDefs(t, map[string]string{"orders": "ok"}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	checks, _ := follow(ctx, srv, map[string]any{"f": map[string]any{"types": []string{"ASSET_CHECK_EVALUATION"}}})
	bySel, _ := follow(ctx, srv, map[string]any{"f": map[string]any{"selection": "key:orders or key:new*"}})
	time.Sleep(200 * time.Millisecond)
	post := func(path, body string) {
		if status, resp := do(t, http.MethodPost, srv.URL+path, "application/json", strings.NewReader(body)); status != 200 {
			t.Fatalf("%s: %d %s", path, status, resp)
		}
	}
	post("/report_asset_materialization/other", "")
	post("/report_asset_check/other", `{"check_name": "c", "passed": true}`)
	post("/report_asset_materialization/orders", "")
	post("/report_asset_materialization/new_one", "") // not in the catalog when the subscription began
	next := func(ch <-chan subEvent) subEvent {
		select {
		case e := <-ch:
			return e
		case <-time.After(20 * time.Second):
			t.Fatal("no event")
		}
		return subEvent{}
	}
	if e := next(checks); e.Type != "ASSET_CHECK_EVALUATION" || e.AssetKey.String != "other" {
		t.Errorf("type filter: %+v", e)
	}
	if e := next(bySel); e.AssetKey.String != "orders" {
		t.Errorf("selection filter, first: %+v", e)
	}
	if e := next(bySel); e.AssetKey.String != "new_one" {
		t.Errorf("selection filter, an asset that appeared later: %+v", e)
	}

	// runLogs replays a run's events and completes after its final status.
	var out struct{ LaunchRun struct{ ID string } }
	gql(t, srv, `mutation { launchRun(assetKeys: [{path: ["orders"]}]) { id } }`, &out)
	var types []string
	err := client.New(srv.URL).Subscribe(ctx, `subscription($id: ID!) { runLogs(runId: $id) { type } }`, map[string]any{"id": out.LaunchRun.ID},
		func(data json.RawMessage) error {
			var d struct{ RunLogs struct{ Type string } }
			json.Unmarshal(data, &d)
			types = append(types, d.RunLogs.Type)
			return nil
		})
	if err != nil || len(types) == 0 || types[0] != "RUN_ENQUEUED" || types[len(types)-1] != "RUN_SUCCESS" {
		t.Errorf("runLogs: %v %v", types, err)
	}

	// assetUpdated sends the asset's new state.
	updates := make(chan string, 10)
	go client.New(srv.URL).Subscribe(ctx, `subscription { assetUpdated(selection: "key:orders") { key { string } latestMaterialization { dataVersion } } }`, nil,
		func(data json.RawMessage) error {
			var d struct {
				AssetUpdated struct {
					LatestMaterialization struct{ DataVersion string }
				}
			}
			json.Unmarshal(data, &d)
			updates <- d.AssetUpdated.LatestMaterialization.DataVersion
			return nil
		})
	time.Sleep(200 * time.Millisecond)
	post("/report_asset_materialization/orders", `{"data_version": "v9"}`)
	select {
	case v := <-updates:
		if v != "v9" {
			t.Errorf("assetUpdated sent data version %q", v)
		}
	case <-time.After(20 * time.Second):
		t.Error("no assetUpdated")
	}
}

func TestASlowSubscriberIsCutOffAndResumes(t *testing.T) {
	srv := e2e.Start(t, "--subscriber-queue", "2")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := client.New(srv.URL)
	var (
		got     []int64
		stalled = make(chan struct{})
		once    sync.Once
	)
	done := make(chan error, 1)
	go func() {
		done <- c.Subscribe(ctx, eventsSub, map[string]any{"after": "0"}, func(data json.RawMessage) error {
			var d struct{ Events subEvent }
			json.Unmarshal(data, &d)
			id, _ := strconv.ParseInt(d.Events.StorageID, 10, 64)
			got = append(got, id)
			once.Do(func() { <-stalled }) // stop reading until the writes are done
			return nil
		})
	}()
	time.Sleep(300 * time.Millisecond)
	// Small commits until they have filled the sockets' buffers and then the subscriber's
	// queue, and the server says it cut a subscriber off.
	for sent := 0; !strings.Contains(metrics(t, srv), "plumbline_live_subscribers_cut_off_total 1"); sent += 10000 {
		if sent >= 1_000_000 {
			t.Fatal("a subscriber that reads nothing was never cut off")
		}
		reportMany(t, srv, "x", 10000, 100)
	}
	close(stalled)
	err := <-done
	after, ok := client.IsResumable(err)
	if !ok {
		t.Fatalf("the subscription ended with %v, not with a resumable error (received %d events)", err, len(got))
	}
	if after != strconv.FormatInt(got[len(got)-1], 10) {
		t.Errorf("resume after %s, but the last event received was %d", after, got[len(got)-1])
	}
	var se *client.SubscriptionError
	if errors.As(err, &se); se.Code != "SUBSCRIBER_TOO_SLOW" || !strings.Contains(se.Message, "subscribe again with after: "+after) {
		t.Errorf("error: %+v", se)
	}
	rest, _ := follow(ctx, srv, map[string]any{"after": after})
	first, _ := strconv.ParseInt(after, 10, 64)
	expectIDs(t, rest, first+1, 30000)
}

// A subscriber on one replica sees what is written through another.
func TestSubscriberOnOneReplicaSeesWritesOfAnother(t *testing.T) {
	url := dbtest.PostgresURL(t)
	a := e2e.Start(t, "--database-url", url)
	b := e2e.Start(t, "--database-url", url)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, _ := follow(ctx, b, map[string]any{"after": "0"})
	reportMany(t, a, "from_a", 300, 10)
	expectIDs(t, events, 1, 300)
}

// PostgreSQL restarted mid-stream: the listening connection is lost and comes back, and
// the subscriber still receives every event exactly once.
func TestSubscriptionSurvivesADatabaseRestart(t *testing.T) {
	pg := dbtest.PrivatePostgres(t)
	srv := e2e.Start(t, "--database-url", pg.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, _ := follow(ctx, srv, map[string]any{"after": "0"})
	reportMany(t, srv, "before", 200, 10)
	pg.Restart(t)
	// Writes fail while the database is down; keep trying until they go through again.
	c := client.New(srv.URL)
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := c.Query(ctx, `mutation { reportEvents(events: [{type: "LOG", message: "probe"}]) { storageIds } }`, nil, nil)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not recover from the database restart: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	reportMany(t, srv, "after", 200, 10)
	expectIDs(t, events, 1, 401)
}

func TestEventsFollowFromTheCLI(t *testing.T) {
	srv := e2e.Start(t)
	post := func(key string) {
		if status, body := do(t, http.MethodPost, srv.URL+"/report_asset_materialization/"+key, "", nil); status != 200 {
			t.Fatalf("report: %d %s", status, body)
		}
	}
	post("old/one")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := srv.Command(ctx, "events", "--follow", "--selection", "key:watched*", "--limit", "5")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		var acc string
		for {
			n, err := stdout.Read(buf)
			acc += string(buf[:n])
			for {
				i := strings.IndexByte(acc, '\n')
				if i < 0 {
					break
				}
				lines <- acc[:i]
				acc = acc[i+1:]
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	post("other")
	post("watched_a")
	post("watched_b")
	var got []string
	deadline := time.After(30 * time.Second)
	for len(got) < 2 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("events --follow exited; got %v", got)
			}
			if strings.Contains(l, "ASSET_MATERIALIZATION") {
				got = append(got, l)
			}
		case <-deadline:
			t.Fatalf("events --follow printed %v", got)
		}
	}
	if !strings.Contains(got[0], "watched_a") || !strings.Contains(got[1], "watched_b") {
		t.Errorf("followed lines: %q", got)
	}
	cancel()
	cmd.Wait()
}

func TestSubscriptionsCheckTheOrigin(t *testing.T) {
	dial := func(srv *e2e.Server, origin string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h := http.Header{}
		h.Set("Origin", origin)
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql",
			&websocket.DialOptions{HTTPHeader: h, Subprotocols: []string{"graphql-transport-ws"}})
		if err == nil {
			conn.CloseNow()
		}
		return err
	}
	strict := e2e.Start(t)
	if err := dial(strict, strict.URL); err != nil {
		t.Errorf("same origin refused: %v", err)
	}
	if err := dial(strict, "http://evil.example"); err == nil {
		t.Error("a page of another origin opened a subscription")
	}
	open := e2e.Start(t, "--allowed-origins", "dashboard.example")
	if err := dial(open, "http://dashboard.example"); err != nil {
		t.Errorf("an allowed origin was refused: %v", err)
	}
}
