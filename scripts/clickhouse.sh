#!/usr/bin/env bash
# Throw-away ClickHouse on loopback for tests and benchmarks.
#
#   scripts/clickhouse.sh start DIR [HTTP_PORT [TCP_PORT]]
#       one server; prints its HTTP URL
#   scripts/clickhouse.sh cluster DIR [BASE_PORT]
#       ZooKeeper and three servers forming the cluster "lightbox": shard 1
#       is a replicated pair, shard 2 one server. HTTP ports BASE, BASE+1,
#       BASE+2 (default 28123); prints the servers' HTTP URLs (shard 1,
#       shard 2, shard 1's second replica) on one line
#   scripts/clickhouse.sh stop DIR
#       stops whatever start or cluster started in DIR
#
# Data, logs and configs live in DIR; every process runs in the background
# (pids in DIR/**/pid) and listens on 127.0.0.1 only. Starting again while
# the servers answer does nothing. Works with Debian's clickhouse-server
# 18.16 (which reads only the <yandex> root element) and current releases.
set -euo pipefail

usage="usage: clickhouse.sh start|cluster|stop DIR [PORTS]"
cmd=${1:?$usage}
dir=${2:?$usage}

answers() { curl -fsS "$1?query=SELECT%201" >/dev/null 2>&1; }

# server SUBDIR HTTP TCP INCLUDE_XML: starts one server.
server() {
  local d=$1 http=$2 tcp=$3 include=$4 url="http://127.0.0.1:$2/"
  if answers "$url"; then
    return 0
  fi
  local bin args=()
  bin=$(command -v clickhouse-server || command -v clickhouse || true)
  [ -n "$bin" ] || { echo "clickhouse-server is not installed" >&2; return 1; }
  [ "$(basename "$bin")" = clickhouse ] && args=(server)
  mkdir -p "$d/data" "$d/tmp" "$d/log"
  d=$(cd "$d" && pwd)
  cat >"$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$d/log/server.log</log>
    <errorlog>$d/log/error.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_port>$((tcp + 9))</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/data/user_files/</user_files_path>
  <format_schema_path>$d/data/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <!-- ZSTD for every part, inserted or merged: Lightbox's raw documents and
       summaries take 35-60 % less disk than with the default LZ4
       (docs/deploy-clickhouse.md). Servers from 20.1 get per-column CODECs
       from Lightbox's schema instead. -->
  <compression>
    <case>
      <min_part_size>0</min_part_size>
      <min_part_size_ratio>0</min_part_size_ratio>
      <method>zstd</method>
    </case>
  </compression>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <include_from>$d/include.xml</include_from>
  <remote_servers incl="clickhouse_remote_servers" optional="true" />
  <zookeeper incl="zookeeper-servers" optional="true" />
  <macros incl="macros" optional="true" />
</yandex>
XML
  cat >"$d/users.xml" <<XML
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
  printf '<?xml version="1.0"?>\n<yandex>%s</yandex>\n' "$include" >"$d/include.xml"
  # Started from DIR with every stream redirected, so that a caller's
  # $(...) does not wait for the server.
  (cd "$d" && exec nohup "$bin" "${args[@]}" --config-file="$d/config.xml" </dev/null >"$d/log/stdout.log" 2>&1) &
  echo $! >"$d/pid"
  for _ in $(seq 1 150); do
    answers "$url" && return 0
    if ! kill -0 "$(cat "$d/pid")" 2>/dev/null; then
      echo "clickhouse-server in $d exited; its log:" >&2
      tail -30 "$d/log/stdout.log" "$d/log/error.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
  echo "clickhouse-server did not answer on $url within 30 s" >&2
  return 1
}

# zookeeper SUBDIR PORT: starts a standalone ZooKeeper (Debian's package).
zookeeper() {
  local d=$1 port=$2
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    return 0
  fi
  [ -f /usr/share/java/zookeeper.jar ] || { echo "zookeeper is not installed" >&2; return 1; }
  mkdir -p "$d/data"
  d=$(cd "$d" && pwd)
  cat >"$d/zoo.cfg" <<CFG
tickTime=2000
dataDir=$d/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
CFG
  nohup java -Xmx256m -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar \
    org.apache.zookeeper.server.ZooKeeperServerMain "$d/zoo.cfg" </dev/null >"$d/stdout.log" 2>&1 &
  echo $! >"$d/pid"
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "ZooKeeper did not listen on $port within 30 s; its log:" >&2
  tail -30 "$d/stdout.log" >&2
  return 1
}

case $cmd in
start)
  http=${3:-8123}
  tcp=${4:-9000}
  server "$dir" "$http" "$tcp" ""
  echo "http://127.0.0.1:$http/"
  ;;
cluster)
  base=${3:-28123}
  zkport=$((base - 16000)) # 12123 for the default base
  tcp=$((base + 1000))      # 29123, 29124, 29125
  replica() { echo "<replica><host>127.0.0.1</host><port>$1</port></replica>"; }
  remote="<clickhouse_remote_servers><lightbox>
<shard><internal_replication>true</internal_replication>$(replica $tcp)$(replica $((tcp + 2)))</shard>
<shard><internal_replication>true</internal_replication>$(replica $((tcp + 1)))</shard>
</lightbox></clickhouse_remote_servers>
<zookeeper-servers><node><host>127.0.0.1</host><port>$zkport</port></node></zookeeper-servers>"
  mkdir -p "$dir"
  zookeeper "$dir/zookeeper" "$zkport"
  server "$dir/s1r1" "$base" "$tcp" "$remote<macros><shard>01</shard><replica>r1</replica></macros>"
  server "$dir/s2r1" "$((base + 1))" "$((tcp + 1))" "$remote<macros><shard>02</shard><replica>r1</replica></macros>"
  server "$dir/s1r2" "$((base + 2))" "$((tcp + 2))" "$remote<macros><shard>01</shard><replica>r2</replica></macros>"
  echo "http://127.0.0.1:$base/ http://127.0.0.1:$((base + 1))/ http://127.0.0.1:$((base + 2))/"
  ;;
stop)
  for p in "$dir/pid" "$dir"/*/pid; do
    [ -f "$p" ] || continue
    kill "$(cat "$p")" 2>/dev/null || true
    rm -f "$p"
  done
  ;;
*)
  echo "$usage" >&2
  exit 2
  ;;
esac
