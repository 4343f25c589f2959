#!/usr/bin/env bash
# A real one-node Slurm cluster: shards a run as an array job
# (tests/batch/slurm-array.sh), merges them in a dependent job, and checks the
# merged result is byte-identical to one process's. Installs Slurm and munge
# from Debian's packages when they are missing, and stops the daemons after.
#
#   .ci/slurm.sh [AMISIM_BINARY]      (default target/debug/amisim)
set -euo pipefail
cd "$(dirname "$0")/.."
AMISIM=$(realpath "${1:-target/debug/amisim}")
SCENARIO=scenarios/quickstart.toml
REPLICATIONS=12
SHARDS=3
SEED=7
WAIT_S=300

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  echo "slurm: installing slurm-wlm and munge from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null 2>&1 ||
    { as_root apt-get update -qq && as_root apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null; }
fi

work=$(mktemp -d /tmp/amisim-slurm.XXXXXX)
node=$(hostname -s)
cpus=$(nproc)
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))

alive() {
  for d in slurmd slurmctld slurmstepd munged; do pgrep -x "$d" >/dev/null && return 0; done
  return 1
}
cleanup() {
  as_root scontrol shutdown >/dev/null 2>&1 || true
  for d in slurmd slurmctld slurmstepd munged; do as_root pkill -x "$d" >/dev/null 2>&1 || true; done
  # Wait until they are gone (at most 10 s), then make sure.
  for _ in $(seq 20); do
    alive || return 0
    sleep 0.5
  done
  for d in slurmd slurmctld slurmstepd munged; do as_root pkill -9 -x "$d" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# munge: a key, and the daemon as its own user.
if [ ! -s /etc/munge/munge.key ]; then
  as_root mungekey --create
  as_root chown munge:munge /etc/munge/munge.key
fi
as_root mkdir -p /run/munge /var/log/munge /var/lib/munge
as_root chown munge:munge /run/munge /var/log/munge /var/lib/munge
pgrep -x munged >/dev/null || as_root runuser -u munge -- /usr/sbin/munged

# One node, the settings known to work on this machine kind.
as_root mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
as_root tee /etc/slurm/slurm.conf >/dev/null <<EOF
ClusterName=amisim-ci
SlurmctldHost=$node
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$node CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
as_root slurmctld -c
as_root slurmd

deadline=$((SECONDS + WAIT_S))
until sinfo -h -o %T 2>/dev/null | grep -qx idle; do
  if [ $SECONDS -ge $deadline ]; then
    echo "slurm: the node never became idle" >&2
    sinfo -N -l >&2 || true
    exit 1
  fi
  sleep 1
done
echo "slurm: one node up ($node, $cpus CPUs, ${mem_mb} MB): $(sinfo -V)"

# The array job, then the merge when every task succeeded.
export AMISIM SCENARIO REPLICATIONS SHARDS SEED OUT="$work/shards"
array=$(sbatch --parsable --array=0-$((SHARDS - 1)) --chdir="$PWD" \
  --output="$work/shard-%a.log" --export=ALL tests/batch/slurm-array.sh)
merge=$(sbatch --parsable --dependency=afterok:"$array" --chdir="$PWD" \
  --output="$work/merge.log" --export=ALL \
  --wrap "$AMISIM merge $SCENARIO $work/shards/shard-* --out $work/merged")
echo "slurm: array job $array ($SHARDS tasks), merge job $merge (afterok:$array)"

# Without accounting storage sacct answers nothing: wait on squeue, then
# read the merge job's state from scontrol.
until [ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ]; do
  if [ $SECONDS -ge $deadline ]; then
    echo "slurm: jobs still queued after ${WAIT_S} s" >&2
    squeue >&2 || true
    exit 1
  fi
  sleep 1
done
state=$(scontrol show job "$merge" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
if [ "$state" != COMPLETED ]; then
  echo "slurm: merge job $merge ended $state" >&2
  cat "$work"/*.log >&2 || true
  exit 1
fi

# The same run in one process: the merged directory must be identical.
"$AMISIM" run "$SCENARIO" -n "$REPLICATIONS" -s "$SEED" --quiet --out "$work/one"
if diff -r "$work/one" "$work/merged" >/dev/null; then
  echo "slurm: merged $(ls "$work/merged" | wc -l) files of jobs $array and $merge: byte-identical to one process"
else
  echo "slurm: the merged result differs from one process's:" >&2
  diff -r "$work/one" "$work/merged" | head -20 >&2
  exit 1
fi
rm -rf "$work"
