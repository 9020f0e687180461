#!/usr/bin/env bash
# Serves the relay on 127.0.0.1:${PORT:-8080} through lighttpd, for local use.
# This is what `make run` executes once ./relay and the fake upstream are built.
#
#   PORT=9000 make run                       another port
#   OPENAI_API_KEY=sk-... make run           relay to the real OpenAI API
#   OPENAI_API_KEY_FILE=~/.openai make run   the same, key read from a file
#   OPENAI_API_BASE=https://... make run     another upstream (with a key)
#
# Without a key it starts tests/fake_upstream/fake-upstream and relays to that,
# so every answer is FAKE.  Everything lives in .run/ (which plays the part of
# /srv/relay in deploy/lighttpd.conf); the relay key in .run/relay.key is made
# once and kept.  Ctrl-C or SIGTERM stops what this script started.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
run="$root/.run"
port=${PORT:-8080}
relay_bin="$root/relay"
fake_bin="$root/tests/fake_upstream/fake-upstream"
template="$root/deploy/lighttpd.conf"

die() {
	printf 'run-local: %s\n' "$*" >&2
	exit 1
}

if ! [[ $port =~ ^[0-9]+$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
	die "PORT must be a number from 1 to 65535, not '$port'"
fi
# lighttpd splits bin-path on spaces and the config quotes paths with '"'.
[[ $run != *[[:space:]\"\\]* ]] ||
	die "the checkout path must not contain spaces, quotes or backslashes: $run"
# lighttpd names the relay's sockets $run/run/relay.sock-N; a UNIX socket path has 107 bytes at most.
sock="$run/run/relay.sock-99"
((${#sock} <= 107)) || die "the checkout path is too long for a UNIX socket path: $sock"
[[ -x $relay_bin ]] || die "$relay_bin is missing: run 'make' first"
lighttpd=$(PATH="$PATH:/usr/sbin:/sbin" command -v lighttpd) ||
	die "lighttpd is not installed (Debian: apt-get install lighttpd)"

# As root, lighttpd drops to server.username before it spawns the relay, so
# that user must own the relay's files.  As anyone else it runs as that user.
run_user=
if ((EUID == 0)); then
	run_user=$(sed -n 's/^server\.username *= *"\([^"]*\)".*/\1/p' "$template")
	id "$run_user" >/dev/null 2>&1 || die "user '$run_user' (server.username) does not exist"
fi

pids=()
stop_all() {
	trap - EXIT INT TERM
	local pid i
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

umask 077
mkdir -p "$run" "$run/run" "$run/log" "$run/tmp" "$run/www"

# The relay key: made once, then read back so clients keep working across runs.
if [[ ! -s $run/relay.key ]]; then
	printf 'rk-%s\n' "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >"$run/relay.key"
fi
relay_key=$(tr -d '[:space:]' <"$run/relay.key")
((${#relay_key} >= 16)) || die "$run/relay.key holds no usable key (16+ characters); delete it"

# The OpenAI key goes to a 0600 file: the relay never takes secrets from its environment here.
fake=0
if [[ -n ${OPENAI_API_KEY:-} ]]; then
	printf '%s\n' "$OPENAI_API_KEY" >"$run/openai.key"
	api_base=${OPENAI_API_BASE:-https://api.openai.com}
elif [[ -n ${OPENAI_API_KEY_FILE:-} ]]; then
	[[ -r $OPENAI_API_KEY_FILE ]] || die "cannot read OPENAI_API_KEY_FILE=$OPENAI_API_KEY_FILE"
	tr -d '[:space:]' <"$OPENAI_API_KEY_FILE" >"$run/openai.key"
	[[ -s $run/openai.key ]] || die "OPENAI_API_KEY_FILE=$OPENAI_API_KEY_FILE is empty"
	api_base=${OPENAI_API_BASE:-https://api.openai.com}
else
	fake=1
	[[ -x $fake_bin ]] || die "$fake_bin is missing: run 'make tests/fake_upstream/fake-upstream'"
	rm -f "$run/upstream.port"
	"$fake_bin" --port 0 --port-file "$run/upstream.port" --quiet >>"$run/log/upstream.log" 2>&1 &
	pids+=("$!")
	for ((i = 0; i < 100; i++)); do
		[[ -s $run/upstream.port ]] && break
		kill -0 "${pids[-1]}" 2>/dev/null || die "the fake upstream exited; see $run/log/upstream.log"
		sleep 0.1
	done
	[[ -s $run/upstream.port ]] || die "the fake upstream wrote no port; see $run/log/upstream.log"
	api_base="http://127.0.0.1:$(tr -d '[:space:]' <"$run/upstream.port")"
	printf 'sk-fake-local-run\n' >"$run/openai.key"
fi

cat >"$run/relay.conf" <<EOF
# Written by deploy/run-local.sh on every run; edits here are lost.
OPENAI_API_BASE = $api_base
OPENAI_API_KEY_FILE = $run/openai.key
RELAY_KEY_FILE = $run/relay.key
RELAY_AUTH_ENABLED = true
EOF

# A copy beside relay.conf, renamed into place so a still-running old copy is not "busy".
cp "$relay_bin" "$run/relay.new"
chmod 755 "$run/relay.new"
mv -f "$run/relay.new" "$run/relay"

# The shipped config with only the port and the /srv/relay paths substituted
# (the port first: the checkout path may itself contain "8080").
conf=$(<"$template")
conf=${conf//8080/"$port"}
conf=${conf//\/srv\/relay/"$run"}
printf '%s\n' "$conf" >"$run/lighttpd.conf"
chmod 644 "$run/lighttpd.conf"
chmod 755 "$run" "$run/www"

if [[ -n $run_user ]]; then
	chown "$run_user:" "$run/relay.key" "$run/openai.key" "$run/relay.conf" \
		"$run/run" "$run/log" "$run/tmp"
	touch "$run/log/error.log"
	chown "$run_user:" "$run/log/error.log"
	if command -v runuser >/dev/null && ! runuser -u "$run_user" -- test -r "$run/relay.conf"; then
		die "lighttpd runs the relay as '$run_user', who cannot reach $run; run 'make run' as an ordinary user instead"
	fi
fi

"$lighttpd" -D -f "$run/lighttpd.conf" </dev/null &
pids+=("$!")
lighttpd_pid=$!

# Ready when GET /health answers 200 (bash's /dev/tcp: curl may not be installed).
healthy=0
for ((i = 0; i < 150; i++)); do
	kill -0 "$lighttpd_pid" 2>/dev/null || break
	# The braces scope 2>/dev/null to the connect; on exec itself it would stick.
	if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
		printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		status=
		read -r -t 2 _ status _ <&3 || true
		exec 3<&-
		if [[ $status == 200 ]]; then
			healthy=1
			break
		fi
	fi
	sleep 0.1
done
if ((!healthy)); then
	tail -n 20 "$run/log/error.log" >&2 || true
	die "lighttpd did not answer GET /health on 127.0.0.1:$port (log above: $run/log/error.log)"
fi

url="http://127.0.0.1:$port/v1"
if ((fake)); then
	cat <<EOF

################################################################################
##  NO OPENAI KEY GIVEN: EVERY ANSWER IS FAKE.
##  The relay talks to tests/fake_upstream at $api_base, not to OpenAI.
##  For real answers: OPENAI_API_KEY=sk-... make run   (or OPENAI_API_KEY_FILE=path)
################################################################################
EOF
fi
cat <<EOF

relay is serving on 127.0.0.1:$port via lighttpd (log: $run/log/error.log); Ctrl-C stops it.

Base URL:  $url
Relay key: $relay_key

curl -H "Authorization: Bearer $relay_key" $url/models
new OpenAI({ baseURL: "$url", apiKey: "$relay_key" })
OpenAI(base_url="$url", api_key="$relay_key")
EOF

# Until Ctrl-C, SIGTERM, or one of our processes dying on its own.
status=0
wait -n "${pids[@]}" || status=$?
printf 'run-local: a server process exited (status %d); stopping.\n' "$status" >&2
tail -n 20 "$run/log/error.log" >&2 || true
stop_all
exit 1
