// Package rest serves Plumbline's Dagster-compatible reporting endpoints, so that scripts
// written against dagster-webserver keep working unchanged:
//
//	POST /report_asset_materialization/{asset_key...}
//	POST /report_asset_observation/{asset_key...}
//	POST /report_asset_check/{asset_key...}
//
// A request becomes one event appended to the event log. It answers 200 with
// {"storageId": "123"} (Dagster answers {}; the id is a string, as GraphQL IDs are) and
// errors as {"error": "message"} with the status internal/apierr gives the error's code.
// See DecodeReport for what a request may carry.
package rest

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/plumbline/plumbline"
	"github.com/plumbline/plumbline/internal/apierr"
)

// DefaultMaxBodyBytes is the request body limit when Handler.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 8 << 20

// routes names the endpoint of each event type a client may report here.
var routes = []struct {
	kind plumbline.EventType
	path string
}{
	{plumbline.AssetMaterialization, "/report_asset_materialization"},
	{plumbline.AssetObservation, "/report_asset_observation"},
	{plumbline.AssetCheckEvaluation, "/report_asset_check"},
}

// Handler serves POST /report_asset_materialization/, /report_asset_observation/ and
// /report_asset_check/.
type Handler struct {
	Log          plumbline.EventLog
	Logger       *slog.Logger // internal errors are logged here in full
	MaxBodyBytes int64        // default 8 MiB; the limit applies after gzip decoding too
}

// Register adds the routes to mux, each with the key in the path
// ("/report_asset_materialization/{key...}", which also matches the bare trailing slash)
// and without ("/report_asset_materialization"), so the key can come from the body or the
// query. Any method is routed here, so that a GET gets a JSON 405 rather than the mux's.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, rt := range routes {
		serve := h.serve(rt.kind)
		mux.Handle(rt.path, serve)
		mux.Handle(rt.path+"/{key...}", serve)
	}
}

func (h *Handler) serve(kind plumbline.EventType) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method " + r.Method + " is not allowed; use POST"})
			return
		}
		e, err := DecodeReport(kind, r.PathValue("key"), r, h.MaxBodyBytes)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ids, err := h.Log.Append(r.Context(), []plumbline.Event{e})
		if err == nil && len(ids) != 1 {
			err = plumbline.Errorf(plumbline.EINTERNAL, "append returned %d storage ids for one event", len(ids))
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, successBody{StorageID: strconv.FormatInt(ids[0], 10)})
	})
}

type successBody struct {
	StorageID string `json:"storageId"`
}

type errorBody struct {
	Error string `json:"error"`
}

// fail answers with err's message and status; an internal error is logged in full and
// shown only as "internal error".
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	err = apierr.Normalize(err)
	if apierr.Internal(err) {
		logger := h.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.ErrorContext(r.Context(), "report asset event", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, apierr.HTTPStatus(err), errorBody{Error: plumbline.ErrorMessage(err)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v) // the bodies above always encode
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
