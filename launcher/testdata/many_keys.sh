#!/bin/sh
# Reports how many target keys it was given, and where: a long list arrives in a file.
set -eu
msg() { printf '{"__dagster_pipes_version": "0.1", "method": "%s", "params": %s}\n' "$1" "$2"; }
msg opened '{}'
if [ -n "${PLUMBLINE_ASSET_KEYS_FILE:-}" ]; then
	echo "file: $(wc -l < "$PLUMBLINE_ASSET_KEYS_FILE") keys, first $(head -n 1 "$PLUMBLINE_ASSET_KEYS_FILE")"
else
	echo "env: $(echo "$PLUMBLINE_ASSET_KEYS" | wc -w) keys"
fi
msg closed '{}'
