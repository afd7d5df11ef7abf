#!/bin/sh
# Installs session-syncd on this host: the binary, the systemd unit, /etc/session-syncd
# (an existing config.toml is never overwritten) and the docs. Safe to run again.
# Creates nothing in the database: that is `session-syncd install`, run by the schema owner.
#
# Usage: deploy/install.sh [path/to/session-syncd]
#   default binary: .build/release/session-syncd (scripts/build-release)
#   DESTDIR=/some/root deploy/install.sh   stages into another root (packaging)
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:-$repo/.build/release/session-syncd}
root=${DESTDIR:-}

if [ ! -x "$binary" ]; then
    echo "install.sh: no executable at $binary; build it first: scripts/build-release" >&2
    exit 1
fi

install -d -m 0755 "$root/usr/local/bin" "$root/etc/systemd/system" "$root/usr/local/share/doc/session-syncd"
install -m 0755 "$binary" "$root/usr/local/bin/session-syncd"
install -m 0644 "$repo/deploy/session-syncd.service" "$root/etc/systemd/system/session-syncd.service"
install -m 0644 "$repo/deploy/session-syncd@.service" "$root/etc/systemd/system/session-syncd@.service"
install -m 0644 "$repo/README.md" "$repo/docs/deployment.md" "$repo/docs/daemon.md" "$repo/deploy/config.example.toml" \
    "$repo/deploy/postgres_exporter-queries.yaml" \
    "$root/usr/local/share/doc/session-syncd/"

# The service runs as a dynamic user that reads the config as "other": 0755/0644, no secrets in it
# (passwords go to /etc/session-syncd/pgpass via LoadCredential=, see docs/deployment.md).
install -d -m 0755 "$root/etc/session-syncd"
if [ -e "$root/etc/session-syncd/config.toml" ]; then
    echo "kept existing $root/etc/session-syncd/config.toml"
else
    install -m 0644 "$repo/deploy/config.example.toml" "$root/etc/session-syncd/config.toml"
    echo "installed $root/etc/session-syncd/config.toml (all defaults; edit [database] and [target])"
fi

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi

cat <<NEXT
session-syncd installed. Next:
  1. edit /etc/session-syncd/config.toml (or /etc/session-syncd/environment with PG* variables)
  2. as the schema owner: session-syncd install --config /etc/session-syncd/config.toml
  3. systemctl enable --now session-syncd; journalctl -u session-syncd -f
NEXT
