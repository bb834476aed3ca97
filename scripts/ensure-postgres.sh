#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed
# so that tests can start throwaway servers of their own (see
# tests/GigaOffice.Testing/PostgresServer.cs). Idempotent.
#
# Prints the bin directory (e.g. /usr/lib/postgresql/15/bin) on stdout; all
# progress output goes to stderr. Exits non-zero with a message on failure.
#
# We never use the Debian package's own cluster or service: the install below
# tells postgresql-common not to create the "main" cluster, and keeps services
# from starting during the install when no policy-rc.d says otherwise.
set -euo pipefail

log() { echo "ensure-postgres: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Highest installed major version that has initdb.
find_bin() {
    local d best=""
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best="$d"
    done
    echo "$best"
}

check_user() {
    # Throwaway servers are run as user postgres when we are root
    # (initdb refuses to run as root).
    if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
        die "PostgreSQL binaries are in $1 but there is no 'postgres' user to run them as"
    fi
}

bin=$(find_bin)
if [ -n "$bin" ]; then
    check_user "$bin"
    echo "$bin"
    exit 0
fi

[ "$(id -u)" = 0 ] || die "no initdb under /usr/lib/postgresql/*/bin and not root: run 'apt-get install -y postgresql' as root"
command -v apt-get >/dev/null || die "no initdb under /usr/lib/postgresql/*/bin and no apt-get to install it"

# Serialize concurrent callers (parallel test processes) so that only one runs apt.
exec 9>/var/lock/gigaoffice-ensure-postgres.lock
flock -w 1200 9 || die "timed out waiting for another ensure-postgres.sh run"
bin=$(find_bin)
if [ -z "$bin" ]; then
    # No "main" cluster: postgresql-common reads this drop-in (createcluster.conf
    # has include_dir createcluster.d). A drop-in, not a conffile edit, so dpkg asks nothing.
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = off" > /etc/postgresql-common/createcluster.d/gigaoffice-no-main-cluster.conf

    # Keep the package's service from starting (no init system is needed here).
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        trap 'rm -f "$policy"' EXIT
    fi

    export DEBIAN_FRONTEND=noninteractive
    log "installing Debian package postgresql (apt-get update + install)"
    apt-get update -q >&2 || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=600 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        postgresql >&2 || die "apt-get install postgresql failed"
    bin=$(find_bin)
    [ -n "$bin" ] || die "postgresql installed but no initdb found under /usr/lib/postgresql/*/bin"
    log "installed: $bin"
fi

check_user "$bin"
echo "$bin"
