#!/usr/bin/env bash
# Network namespaces standing in for hosts, so `--hosts` runs can be tested on one machine:
#   scripts/netns-hosts.sh up N HOSTS_FILE   creates N namespaces flyer-h1..N on a bridge (10.77.0.0/24;
#                                            this machine is 10.77.0.1, host i is 10.77.0.(i+1)) and
#                                            writes a hosts file whose exec prefix is `ip netns exec`
#   scripts/netns-hosts.sh down N            removes them again
# Needs root (CI runs as root). Real machines use the same hosts file with an ssh prefix instead.
set -euo pipefail
cmd=${1:?up|down}
count=${2:?number of hosts}
bridge=flyerbr0

if [[ $cmd == down ]]; then
  for i in $(seq 1 "$count"); do
    ip netns del "flyer-h$i" 2>/dev/null || true
    ip link del "flyer-v$i" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
  exit 0
fi

out=${3:?hosts file to write}
ip link add "$bridge" type bridge 2>/dev/null || true
ip addr add 10.77.0.1/24 dev "$bridge" 2>/dev/null || true
ip link set "$bridge" up
{
  echo "# Hosts for flyer cluster up --hosts: network namespaces made by scripts/netns-hosts.sh."
  echo "# On real machines use exec = [\"ssh\", \"-o\", \"BatchMode=yes\", \"root@NAME\"] and their addresses."
} > "$out"
for i in $(seq 1 "$count"); do
  ns="flyer-h$i"
  ip netns add "$ns" 2>/dev/null || true
  ip link add "flyer-v$i" type veth peer name eth0 netns "$ns" 2>/dev/null || true
  ip link set "flyer-v$i" master "$bridge" up
  ip -n "$ns" addr add "10.77.0.$((i + 1))/24" dev eth0 2>/dev/null || true
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  roles='"storage"'
  [[ $i == 1 ]] && roles='"mgmtd", "meta", "storage"'
  cat >> "$out" <<HOST

[[host]]
name = "h$i"
address = "10.77.0.$((i + 1))"
exec = ["ip", "netns", "exec", "$ns"]
roles = [$roles]
HOST
done
