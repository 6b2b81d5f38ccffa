#!/bin/sh
# Serves the example platform: applies examples/platform/plumbline.yaml at start-up and,
# the first time, reports its history with examples/platform/seed.sh. Honours the
# PLUMBLINE_* environment (PLUMBLINE_ADDR=127.0.0.1:8080 make run serves there).
set -eu
cd "$(dirname "$0")/.."

addr=${PLUMBLINE_ADDR:-:3000}
case $addr in
:*) url=http://localhost$addr ;;
*) url=http://$addr ;;
esac

bin/plumbline serve --defs "${PLUMBLINE_DEFS:-examples/platform/plumbline.yaml}" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server; exit 0' INT TERM

i=0
until curl -fsS -o /dev/null "$url/healthz" 2>/dev/null; do
	kill -0 $server 2>/dev/null || { wait $server; exit 1; }
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "run: the server did not answer at $url" >&2; exit 1; }
	sleep 0.1
done

# Seed once: only when nothing has been materialized yet.
query='{"query":"{ events(filter: {types: [\"ASSET_MATERIALIZATION\"]}, first: 1) { nodes { storageId } } }"}'
if curl -fsS -H 'Content-Type: application/json' -d "$query" "$url/graphql" | grep -q '"nodes":\[\]'; then
	PLUMBLINE_URL=$url sh examples/platform/seed.sh
fi
echo "Plumbline is serving the example platform at $url (GraphiQL at $url/graphiql). Ctrl-C stops it."
wait $server
