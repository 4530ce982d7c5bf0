#!/usr/bin/env bash
# Installs Docker Compose v2 (`docker compose`) from Debian trixie's docker-compose package on
# a Debian 12 / Ubuntu machine whose own archive has only v1 (`docker-compose` 1.29): the
# package is one static Go program, which runs on bookworm. It goes where the docker client
# looks for plugins (/usr/local/lib/docker/cli-plugins); v1 stays as it is. The system's apt
# sources are not touched (a private apt configuration). Needs root.
#
# Usage: docker/install-compose-v2.sh [--force]
#   --force   install even when `docker compose version` already answers
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
force=0
case "${1:-}" in
    "") ;;
    --force) force=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-compose-v2.sh: error: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
esac
fail() { echo "install-compose-v2.sh: error: $*" >&2; exit 1; }
if ((force == 0)) && docker compose version >/dev/null 2>&1; then
    echo "docker compose is already installed: $(docker compose version)" >&2
    exit 0
fi
[[ $(id -u) -eq 0 ]] || fail "needs root: sudo $0"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
arch=$(dpkg --print-architecture)
work=$(mktemp -d /tmp/capitalengine-compose.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/state"
: > "$work/state/status"
cat > "$work/apt.conf" <<CONF
APT::Architecture "$arch"; APT::Architectures { "$arch"; };
Dir::Etc::sourcelist "$work/sources.list"; Dir::Etc::sourceparts "-";
Dir::State::Lists "$work/lists"; Dir::State::status "$work/state/status"; Dir::Cache "$work/cache";
Dir::Log "$work"; APT::Sandbox::User "root";
CONF
echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$work/sources.list"
APT_CONFIG=$work/apt.conf apt-get update -qq >/dev/null || fail "apt-get update for trixie failed (is $mirror reachable?)"
(cd "$work" && APT_CONFIG=$work/apt.conf apt-get download -qq docker-compose >/dev/null) || fail "downloading trixie's docker-compose failed"
dpkg-deb --fsys-tarfile "$work"/docker-compose_*.deb | tar -x -C "$work" ./usr/libexec/docker/cli-plugins/docker-compose
install -D -m 0755 "$work/usr/libexec/docker/cli-plugins/docker-compose" /usr/local/lib/docker/cli-plugins/docker-compose
echo "installed: $(docker compose version 2>/dev/null || /usr/local/lib/docker/cli-plugins/docker-compose version)" >&2
