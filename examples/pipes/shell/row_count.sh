#!/bin/sh
# A shell program launched by Plumbline with messages on stdout (pipes.messages: stdout):
# Pipes messages are JSON lines; every other line is ordinary output. Plumbline also sets
# PLUMBLINE_ASSET_KEYS, PLUMBLINE_PARTITION and PLUMBLINE_RUN_ID for programs like this one.
#
#   pipes:
#     command: [sh, examples/pipes/shell/row_count.sh]
#     messages: stdout
set -eu

pipes() { printf '{"__dagster_pipes_version": "0.1", "method": "%s", "params": %s}\n' "$1" "$2"; }

pipes opened '{}'
key=$PLUMBLINE_ASSET_KEYS
echo "counting rows of $key"
rows=$(awk 'BEGIN { srand(); print 10000 + int(rand() * 5000) }')
pipes log "{\"message\": \"counted $rows rows\", \"level\": \"INFO\"}"
meta="{\"dagster/row_count\": {\"raw_value\": $rows, \"type\": \"int\"}}"
pipes report_asset_materialization "{\"asset_key\": \"$key\", \"data_version\": \"$rows\", \"metadata\": $meta}"
pipes closed '{}'
