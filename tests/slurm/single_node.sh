#!/usr/bin/env bash
# `srhm sweep` against a real Slurm (issue 10): installs Debian's slurmctld, slurmd,
# slurm-client and munge if missing, starts a single-node cluster on 127.0.0.1
# (munged, slurmctld, slurmd in the foreground as background processes this script
# owns; config, state, logs and key in a temp dir; no systemd, no cgroups), then:
#   1. submits Fig. 4's smoke preset as a job array and waits for every run's row;
#   2. redraws the figure from the store the cluster filled (`--plot-only`);
#   3. submits runs that last seconds, cancels one mid-run (scancel), checks that it
#      left no result file, that `--status` calls it failed, that resubmitting
#      submits it alone and completes it, and that no other row changed;
# and shuts everything down, whatever happened. Needs root (apt-get, munged) and
# the release binary (`cargo build --release -p srhm-cli`; `cargo xtask test` does both).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRHM=${SRHM:-$REPO/target/release/srhm}
DEADLINE=${SRHM_SLURM_TIMEOUT:-600}
started=$SECONDS

say() { echo "[slurm test +$((SECONDS - started))s] $*"; }
fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK"/log/*.log; do
        [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
    done
    exit 1
}

[ "$(id -u)" = 0 ] || { echo "FAIL: the Slurm test needs root (apt-get, munged)" >&2; exit 1; }
[ -x "$SRHM" ] || { echo "FAIL: no $SRHM (cargo build --release -p srhm-cli)" >&2; exit 1; }

install_slurm() {
    local missing=0
    for program in slurmctld slurmd sbatch squeue scancel munged; do
        command -v "$program" >/dev/null || missing=1
    done
    [ "$missing" = 0 ] && return
    say "installing slurmctld slurmd slurm-client munge (Debian packages)"
    local packages="slurmctld slurmd slurm-client munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends $packages >/dev/null 2>&1 || {
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends $packages >/dev/null
    }
}

WORK=$(mktemp -d /tmp/srhm-slurm.XXXXXX)
export SLURM_CONF=$WORK/slurm.conf
MUNGED_PID=

stop_cluster() {
    set +e
    if [ -f "$SLURM_CONF" ]; then
        timeout 20 scontrol shutdown >/dev/null 2>&1
    fi
    for pidfile in "$WORK/slurmctld.pid" "$WORK/slurmd.pid"; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
    done
    [ -n "$MUNGED_PID" ] && kill "$MUNGED_PID" 2>/dev/null
    sleep 1
    rm -rf "$WORK"
}
trap stop_cluster EXIT

start_cluster() {
    local host port
    host=$(uname -n | cut -d. -f1)
    port=$((20000 + RANDOM % 20000))
    mkdir -p "$WORK/munge" "$WORK/state" "$WORK/spool" "$WORK/log"
    chmod 0755 "$WORK" "$WORK/munge"
    head -c 1024 /dev/urandom >"$WORK/munge/munge.key"
    chmod 0400 "$WORK/munge/munge.key"
    munged --foreground --socket="$WORK/munge/sock" --key-file="$WORK/munge/munge.key" \
        --pid-file="$WORK/munge/munged.pid" --seed-file="$WORK/munge/seed" \
        --log-file="$WORK/log/munged.log" >"$WORK/log/munged.out" 2>&1 &
    MUNGED_PID=$!
    cat >"$SLURM_CONF" <<CONF
ClusterName=srhmtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge/sock
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$WORK/log/jobcomp.txt
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    for _ in $(seq 50); do [ -S "$WORK/munge/sock" ] && break; sleep 0.1; done
    [ -S "$WORK/munge/sock" ] || fail "munged did not start"
    setsid -f slurmctld -D -f "$SLURM_CONF" >"$WORK/log/slurmctld.out" 2>&1
    setsid -f slurmd -D -f "$SLURM_CONF" >"$WORK/log/slurmd.out" 2>&1
    for _ in $(seq 100); do
        [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && return
        sleep 0.3
    done
    fail "the node never became idle: $(sinfo 2>&1)"
}

status_json() { "$SRHM" sweep --spec "$1" --preset smoke --store "$STORE" --status --json; }
# Evaluates a Python expression over the status JSON `s`.
q() { python3 -c "import json, sys; s = json.loads(sys.argv[1]); print($2)" "$1"; }

# Waits until no run of the spec is queued; fails past the deadline.
wait_idle() {
    while :; do
        local s
        s=$(status_json "$1")
        [ "$(q "$s" "s['counts']['running'] + s['counts']['pending']")" = 0 ] && return
        [ $((SECONDS - started)) -lt "$DEADLINE" ] || fail "runs still queued after ${DEADLINE}s: $s"
        sleep 1
    done
}

# name → checksum of every result file of a figure, sorted.
checksums() { (cd "$STORE/$1/runs" && sha256sum ./*.parquet | sort); }

install_slurm
start_cluster
say "single-node Slurm up ($(sinfo -h -o '%n %c CPUs %t'))"
STORE=$WORK/store
FIG04=$REPO/paper-figures/specs/fig04.toml
SLOW=$REPO/tests/slurm/slow.toml

# --- 1. a figure's smoke preset as an array --------------------------------------
script=$("$SRHM" sweep --spec "$FIG04" --preset smoke --store "$STORE" --slurm --dry-run --time 10:00 --max-concurrent 2)
grep -qx '#SBATCH --array=0-23%2' <<<"$script" || fail "dry run: no array 0-23%2 in: $script"
grep -q -- '--index "$index"' <<<"$script" || fail "dry run: tasks do not run --index"
[ ! -e "$STORE/fig04/slurm/sweeps.jsonl" ] || fail "a dry run submitted something"
"$SRHM" sweep --spec "$FIG04" --preset smoke --store "$STORE" --slurm --cpus-per-task 1 --time 10:00
wait_idle "$FIG04"
s=$(status_json "$FIG04")
[ "$(q "$s" "s['counts']['done']")" = 24 ] || fail "fig04 smoke: not every run done: $s"
missing=$("$SRHM" run --spec "$FIG04" --preset smoke --store "$STORE" --list | grep -vc $'\tdone$' || true)
[ "$missing" = 0 ] || fail "srhm run --list: $missing runs without a row"
say "fig04 smoke: 24 runs done by 24 array tasks"
out=$("$SRHM" sweep --spec "$FIG04" --preset smoke --store "$STORE" --slurm)
grep -q "nothing to submit" <<<"$out" || fail "a finished sweep resubmitted: $out"

# --- 2. figures from the store the cluster filled --------------------------------
"$SRHM" figures --preset smoke --plot-only --only fig04 --specs "$REPO/paper-figures/specs" --store "$STORE" >/dev/null
[ -s "$STORE/fig04/fig04-smoke.png" ] || fail "--plot-only drew no PNG"
grep -q "fig04/fig04-smoke.png" "$STORE/README-smoke.md" || fail "the index does not show fig04"
say "--plot-only drew fig04 from the cluster's store"

# --- 3. a task cancelled mid-run, then resubmitted -------------------------------
"$SRHM" sweep --spec "$SLOW" --preset smoke --store "$STORE" --slurm --cpus-per-task 1
victim=
for _ in $(seq 300); do
    s=$(status_json "$SLOW")
    victim=$(q "$s" "s['running'][0] if s['running'] else ''")
    [ -n "$victim" ] && break
    sleep 0.2
done
[ -n "$victim" ] || fail "no slow run ever started: $s"
sleep 2
s=$(status_json "$SLOW")
[ "$(q "$s" "$victim in s['running']")" = True ] || fail "run $victim is not running 2 s later: $s"
job=$(q "$s" "s['jobs'][0]")
say "cancelling run $victim (task ${job}_${victim}) mid-run"
scancel "${job}_${victim}"
wait_idle "$SLOW"
s=$(status_json "$SLOW")
[ "$(q "$s" "s['counts']['done']")" = 2 ] || fail "the two other slow runs did not finish: $s"
[ "$(q "$s" "[f['index'] for f in s['failed']]")" = "[$victim]" ] ||
    fail "--status does not report run $victim as failed: $s"
say "status after the cancel: $(q "$s" "s['failed']")"
line=$("$SRHM" run --spec "$SLOW" --preset smoke --store "$STORE" --list | sed -n "$((victim + 1))p")
[[ "$line" == *$'\tmissing' ]] || fail "the cancelled run left a result or a damaged file: $line"
before=$(checksums slurm-kill; checksums fig04)
out=$("$SRHM" sweep --spec "$SLOW" --preset smoke --store "$STORE" --slurm --cpus-per-task 1)
grep -q "submitted job .*: 1 runs .*array $victim," <<<"$out" || fail "resubmission was not run $victim alone: $out"
wait_idle "$SLOW"
s=$(status_json "$SLOW")
[ "$(q "$s" "s['counts']['done']")" = 3 ] || fail "the resubmitted run did not complete: $s"
after=$(checksums slurm-kill; checksums fig04)
diff <(grep -v "^$" <<<"$before") <(grep -Ff <(echo "$before" | awk '{print $2}') <<<"$after") >/dev/null ||
    fail "rows written before the cancel changed"
[ "$(wc -l <<<"$after")" = $(($(wc -l <<<"$before") + 1)) ] || fail "expected exactly one new result file"
"$SRHM" sweep --spec "$SLOW" --preset smoke --store "$STORE" --status
say "PASS: array, status, plot-only, cancel and resubmit (total $((SECONDS - started)) s)"
