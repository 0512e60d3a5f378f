# Sourced by with-prism.sh, with-avara-mock.sh and ../run.sh: a server in a process group
# of its own, always ended as a whole (on exit too), so that no process is left
# running.
#
#   start_server LOG COMMAND...   starts COMMAND (stdout and stderr to LOG)
#                                 leading a new process group
#   wait_for_url LOG PATTERN [PID]
#                                 prints the first match of the ERE PATTERN in
#                                 LOG once there is one (60 s at most; fails if
#                                 the server, or the process PID, exits first)
#   stop_server                   ends the group; fails if any of it remains

server_pgid=
server_log=

start_server() {
  server_log=$1
  shift
  # setsid: the command (not a wrapper such as npx, whose children would
  # survive it) leads a process group of its own.
  setsid "$@" < /dev/null > "$server_log" 2>&1 &
  server_pgid=$!
  sleep 0.1
  if kill -0 "$server_pgid" 2>/dev/null \
    && [ "$(ps -o pgid= -p "$server_pgid" | tr -d ' ')" != "$server_pgid" ]; then
    echo "the server (pid $server_pgid) does not lead a process group of its own" >&2
    return 1
  fi
}

wait_for_url() {
  local log=$1 pattern=$2 pid=${3:-$server_pgid} match
  for _ in $(seq 1 300); do
    if match=$(grep -oE "$pattern" "$log" | head -n 1) && [ -n "$match" ]; then
      echo "$match"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "the server did not start (no \"$pattern\" in its output); its log:" >&2
  cat "$log" >&2
  return 1
}

stop_server() {
  [ -n "$server_pgid" ] || return 0
  kill -TERM -- "-$server_pgid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    pgrep -g "$server_pgid" > /dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$server_pgid" 2>/dev/null || true
  sleep 0.1
  if pgrep -g "$server_pgid" > /dev/null; then
    echo "the server (process group $server_pgid) is still running:" >&2
    pgrep -a -g "$server_pgid" >&2
    return 1
  fi
  server_pgid=
}

server_cleanup() {
  stop_server || true
  [ -z "$server_log" ] || rm -f "$server_log"
}
trap server_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
