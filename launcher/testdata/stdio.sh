#!/bin/sh
# A plain shell program that reports through the stdout channel: Pipes messages are JSON
# lines, anything else is ordinary output.
set -eu
msg() { printf '{"__dagster_pipes_version": "0.1", "method": "%s", "params": %s}\n' "$1" "$2"; }
msg opened '{}'
echo "shell output: targets $PLUMBLINE_ASSET_KEYS"
msg log '{"message": "shell says hi", "level": "WARNING"}'
msg report_asset_materialization "{\"asset_key\": \"$PLUMBLINE_ASSET_KEYS\", \"data_version\": \"sh1\", \"metadata\": {\"lines\": {\"raw_value\": 3, \"type\": \"int\"}}}"
msg closed '{}'
printf 'a partial line at the end'
