#!/usr/bin/env bash
# Starts a throw-away ClickHouse server on loopback for tests and benchmarks:
#
#   scripts/clickhouse.sh start DIR [HTTP_PORT [TCP_PORT]]   # prints the HTTP URL
#   scripts/clickhouse.sh stop DIR
#
# Data, logs and the config live in DIR. The server runs in the background
# (pid in DIR/pid) and listens on 127.0.0.1 only. Running start again while
# the server answers does nothing. Works with Debian's clickhouse-server
# 18.16 and with current releases (both read the <yandex> root element's
# successor <clickhouse> too, but 18.16 only reads <yandex>).
set -euo pipefail

cmd=${1:?usage: clickhouse.sh start|stop DIR [HTTP_PORT [TCP_PORT]]}
dir=${2:?usage: clickhouse.sh start|stop DIR [HTTP_PORT [TCP_PORT]]}
http=${3:-8123}
tcp=${4:-9000}
url="http://127.0.0.1:$http/"

case $cmd in
stop)
  if [ -f "$dir/pid" ]; then
    kill "$(cat "$dir/pid")" 2>/dev/null || true
    rm -f "$dir/pid"
  fi
  exit 0
  ;;
start) ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac

if curl -fsS "$url?query=SELECT%201" >/dev/null 2>&1; then
  echo "$url"
  exit 0
fi

bin=$(command -v clickhouse-server || command -v clickhouse || true)
[ -n "$bin" ] || { echo "clickhouse-server is not installed" >&2; exit 1; }
args=()
[ "$(basename "$bin")" = clickhouse ] && args=(server)

mkdir -p "$dir/data" "$dir/tmp" "$dir/log"
dir=$(cd "$dir" && pwd)
cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$dir/log/server.log</log>
    <errorlog>$dir/log/error.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_port>$((tcp + 9))</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/data/user_files/</user_files_path>
  <format_schema_path>$dir/data/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <include_from>$dir/include.xml</include_from>
  <remote_servers incl="clickhouse_remote_servers" optional="true" />
  <zookeeper incl="zookeeper-servers" optional="true" />
  <macros incl="macros" optional="true" />
</yandex>
XML
cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default>
    <password></password>
    <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota>
  </default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
# include.xml holds the cluster, ZooKeeper and macros sections; a caller
# that sets up shards or replicas writes it before start.
[ -f "$dir/include.xml" ] || echo '<?xml version="1.0"?><yandex></yandex>' >"$dir/include.xml"

cd "$dir"
nohup "$bin" "${args[@]}" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
echo $! >"$dir/pid"
for _ in $(seq 1 150); do
  if curl -fsS "$url?query=SELECT%201" >/dev/null 2>&1; then
    echo "$url"
    exit 0
  fi
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "clickhouse-server exited; its log:" >&2
    tail -30 "$dir/log/stdout.log" "$dir/log/error.log" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.2
done
echo "clickhouse-server did not answer on $url within 30 s" >&2
exit 1
