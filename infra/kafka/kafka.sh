#!/usr/bin/env bash
# A real Apache Kafka broker (KRaft, single node) from Maven Central jars, no Docker needed.
#   infra/kafka/kafka.sh start|stop|status|logs|resolve
# KAFKA_PORT (default 9092), KAFKA_DATA_DIR (default .run/kafka) and KAFKA_HEAP (default 512m) adjust it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${KAFKA_PORT:-9092}"
cport="$((port + 1))"
run_dir="${KAFKA_DATA_DIR:-$root/.run/kafka}"
lib="$here/lib"
pidfile="$run_dir/kafka.pid"
logfile="$run_dir/kafka.log"

resolve() {
  if [ -f "$lib/.resolved" ] && [ "$lib/.resolved" -nt "$here/pom.xml" ]; then return; fi
  echo "kafka: resolving broker jars from Maven Central (cached in ~/.m2 after the first time)"
  rm -rf "$lib"
  mvn -B -q -f "$here/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DoutputDirectory="$lib" -DincludeScope=runtime
  touch "$lib/.resolved"
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

start() {
  if running; then echo "kafka: already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return; fi
  if port_open; then echo "kafka: something already listens on 127.0.0.1:$port; using it"; return; fi
  resolve
  mkdir -p "$run_dir"
  local props="$run_dir/server.properties"
  sed -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$cport#g" -e "s#@DATA_DIR@#$run_dir/data#g" \
    "$here/server.properties.template" >"$props"
  local java=(java -cp "$lib/*" "-Dlog4j2.configurationFile=$here/log4j2.properties")
  if [ ! -f "$run_dir/data/meta.properties" ]; then
    local id
    id="$("${java[@]}" kafka.tools.StorageTool random-uuid | tail -n 1)"
    "${java[@]}" kafka.tools.StorageTool format -t "$id" -c "$props" >/dev/null
  fi
  local t0=$SECONDS
  nohup "${java[@]}" "-Xms256m" "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseG1GC kafka.Kafka "$props" >"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if ! running; then echo "kafka: exited during start; last log lines:" >&2; tail -n 30 "$logfile" >&2; exit 1; fi
    if grep -q "Endpoint is now READY" "$logfile" 2>/dev/null && port_open; then
      echo "kafka: ready on 127.0.0.1:$port after $((SECONDS - t0))s (log: $logfile)"
      return
    fi
    sleep 0.5
  done
  echo "kafka: not ready after 60s; see $logfile" >&2
  exit 1
}

stop() {
  if ! running; then echo "kafka: not running"; rm -f "$pidfile"; return; fi
  local pid
  pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "kafka: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if running; then echo "kafka: running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; else echo "kafka: stopped"; exit 3; fi ;;
  logs) tail -n "${2:-100}" -f "$logfile" ;;
  resolve) resolve ;;
  *) echo "usage: $0 start|stop|restart|status|logs|resolve" >&2; exit 2 ;;
esac
