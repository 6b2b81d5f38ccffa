package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/apierr"
)

// SubscriptionError ends a subscription the server cut off. ResumeAfter, when set, is
// the storage id to subscribe again after to go on without a gap (the subscriber fell
// behind).
type SubscriptionError struct {
	Code        string
	Message     string
	ResumeAfter string
}

func (e *SubscriptionError) Error() string { return e.Message }

// Subscribe runs a GraphQL subscription over WebSocket (the graphql-transport-ws
// protocol) and calls fn with the "data" of each result, in order, until the server
// completes the subscription (nil), ctx is done (ctx.Err()), fn returns an error (that
// error), or the server reports one (a *SubscriptionError, or a *plumbline.Error for one
// at the start).
func (c *Client) Subscribe(ctx context.Context, query string, vars map[string]any, fn func(data json.RawMessage) error) error {
	u := c.base + "/graphql"
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + strings.TrimPrefix(u, "http://")
	}
	h := http.Header{}
	if c.ua != "" {
		h.Set("User-Agent", c.ua)
	}
	if c.token != "" {
		h.Set("Authorization", "Bearer "+c.token)
	}
	if c.user != "" {
		h.Set(UserHeader, c.user)
	}
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: c.hc, HTTPHeader: h, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return &TransportError{Method: "GET", URL: u, Err: unwrapURLError(err)}
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 20)
	terr := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &TransportError{Method: "GET", URL: u, Err: err}
	}

	type message struct {
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	if err := wsjson.Write(ctx, conn, message{Type: "connection_init", Payload: json.RawMessage(`{}`)}); err != nil {
		return terr(err)
	}
	var ack message
	if err := wsjson.Read(ctx, conn, &ack); err != nil {
		return terr(err)
	}
	if ack.Type != "connection_ack" {
		return terr(fmt.Errorf("expected connection_ack, got %q", ack.Type))
	}
	payload, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return plumbline.Errorf(plumbline.EINVALID, "GraphQL variables cannot be encoded as JSON: %v", err)
	}
	if err := wsjson.Write(ctx, conn, message{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		return terr(err)
	}
	for {
		var m message
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			return terr(err)
		}
		switch m.Type {
		case "ping":
			if err := wsjson.Write(ctx, conn, message{Type: "pong"}); err != nil {
				return terr(err)
			}
		case "next":
			var r struct {
				Data   json.RawMessage `json:"data"`
				Errors []struct {
					Message    string `json:"message"`
					Extensions struct {
						Code        string `json:"code"`
						ResumeAfter string `json:"resumeAfter"`
					} `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(m.Payload, &r); err != nil {
				return terr(fmt.Errorf("read a result: %w", err))
			}
			if len(r.Errors) > 0 {
				e := r.Errors[0]
				_ = conn.Close(websocket.StatusNormalClosure, "")
				return &SubscriptionError{Code: e.Extensions.Code, Message: e.Message, ResumeAfter: e.Extensions.ResumeAfter}
			}
			if err := fn(r.Data); err != nil {
				_ = wsjson.Write(context.Background(), conn, message{ID: "1", Type: "complete"})
				_ = conn.Close(websocket.StatusNormalClosure, "")
				return err
			}
		case "error":
			var errs []struct {
				Message    string `json:"message"`
				Extensions struct {
					Code string `json:"code"`
				} `json:"extensions"`
			}
			_ = json.Unmarshal(m.Payload, &errs)
			if len(errs) == 0 {
				return &plumbline.Error{Code: plumbline.EINTERNAL, Message: "the subscription failed"}
			}
			code, ok := apierr.CodeForGraphQL(errs[0].Extensions.Code)
			if !ok {
				code = plumbline.EINVALID
			}
			return &plumbline.Error{Code: code, Message: errs[0].Message}
		case "complete":
			_ = conn.Close(websocket.StatusNormalClosure, "")
			return nil
		}
	}
}

// IsResumable reports whether err ended a subscription that can go on after the storage
// id it names.
func IsResumable(err error) (after string, ok bool) {
	var se *SubscriptionError
	if errors.As(err, &se) && se.ResumeAfter != "" {
		return se.ResumeAfter, true
	}
	return "", false
}
