#!/usr/bin/env bash
# A throwaway single-host Slurm for the tests: munged, slurmctld and slurmd
# from Debian's packages, one node "localhost" declaring 8 GPUs as generic
# resources with stand-in device files, job completion records in a text file (read
# back with `sacct --completion`). Needs root.
#   eval "$(bash scripts/slurm-cluster.sh start)"   # sets QIANTANG_TEST_SLURM_CONF and QIANTANG_SLURM_DIR
#   bash scripts/slurm-cluster.sh stop "$QIANTANG_SLURM_DIR"
set -euo pipefail

case "${1:-}" in
  start)
    for b in slurmctld slurmd sbatch munged; do
      command -v "$b" >/dev/null || { echo "slurm-cluster: $b not found (apt-get install slurmctld slurmd slurm-client munge)" >&2; exit 1; }
    done
    dir=$(mktemp -d /tmp/qiantang-slurm-XXXXXX)
    chmod 755 "$dir"
    mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
    chown munge:munge "$dir/munge"
    # munged: its own socket, so a system munged (if any) is left alone.
    runuser -u munge -- /usr/sbin/munged --socket="$dir/munge/munge.socket" \
      --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/seed"
    cpus=$(nproc)
    mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
    port=$(( 20000 + RANDOM % 20000 ))
    cat > "$dir/slurm.conf" <<CONF
ClusterName=qiantang-test
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
ReturnToService=2
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeHostname=$(hostname) CPUs=$cpus RealMemory=$mem Gres=gpu:8 State=UNKNOWN
PartitionName=gpu Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
    # Slurm keeps only GPUs with device files; plain files stand in for them
    # (no cgroup device constraint is configured, so nothing opens them).
    mkdir -p "$dir/dev"
    for i in 0 1 2 3 4 5 6 7; do touch "$dir/dev/gpu$i"; done
    printf 'AutoDetect=off\nNodeName=localhost Name=gpu File=%s/dev/gpu[0-7]\n' "$dir" > "$dir/gres.conf"
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$dir/slurm.conf"
    slurmd -f "$dir/slurm.conf" -N localhost
    for _ in $(seq 1 60); do
      if sinfo -h -o %T 2>/dev/null | grep -qE '^idle'; then
        echo "export QIANTANG_TEST_SLURM_CONF=$dir/slurm.conf"
        echo "export QIANTANG_SLURM_DIR=$dir"
        exit 0
      fi
      sleep 0.5
    done
    echo "slurm-cluster: the node did not become idle; see $dir/*.log" >&2
    exit 1
    ;;
  stop)
    dir="${2:?usage: slurm-cluster.sh stop DIR}"
    for pid in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
      [[ -f "$pid" ]] && kill "$(cat "$pid")" 2>/dev/null || true
    done
    sleep 0.5
    rm -rf "$dir"
    ;;
  *)
    echo "usage: slurm-cluster.sh start | stop DIR" >&2
    exit 2
    ;;
esac
