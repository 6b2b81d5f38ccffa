#!/bin/sh
# Makes sure what the tests need is here and running: PostgreSQL on 127.0.0.1:5432 (trust
# auth as user postgres), Debian's Chromium for the browser tests, and the npm packages.
# Installs with apt-get when run as root on Debian; otherwise says what is missing.
set -eu

say() { echo "ensure-deps: $*" >&2; }

apt_install() {
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		say "$1 is missing; install it (Debian: apt-get install -y $1)"
		exit 1
	fi
	if [ -z "${apt_updated:-}" ]; then
		say "apt-get update"
		apt-get update -qq >/dev/null
		apt_updated=1
	fi
	say "installing $1"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if [ "${PLUMBLINE_SKIP_POSTGRES:-}" != 1 ]; then
	if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! command -v pg_isready >/dev/null 2>&1; then
		apt_install postgresql
	fi
	if ! pg_ready; then
		version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)
		[ -n "$version" ] || { say "no PostgreSQL cluster in /etc/postgresql"; exit 1; }
		say "starting PostgreSQL $version"
		pg_ctlcluster --skip-systemctl-redirect "$version" main start
		i=0
		until pg_ready; do
			i=$((i + 1))
			[ "$i" -lt 60 ] || { say "PostgreSQL did not start"; exit 1; }
			sleep 0.5
		done
	fi
	if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
		say "cannot connect to PostgreSQL as postgres on 127.0.0.1:5432 without a password; allow trust auth for local tests or set PLUMBLINE_TEST_DATABASE_URL"
		[ -n "${PLUMBLINE_TEST_DATABASE_URL:-}" ] || exit 1
	fi
fi

if [ "${PLUMBLINE_SKIP_BROWSER:-}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
	apt_install chromium
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	say "npm ci"
	npm ci --no-audit --no-fund --loglevel=error
fi
