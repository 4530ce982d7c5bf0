#!/bin/sh
# The dev container's entry: run the command as the invoking user (CAPITALENGINE_UID/GID, set
# by run-docker.sh), so that what a build writes into the bind-mounted checkout, such as
# Package.resolved, belongs to them and not to root. The build cache volume is made theirs
# first, all of it where an earlier root run left it root's.
set -eu
uid=${CAPITALENGINE_UID:-0}
gid=${CAPITALENGINE_GID:-0}
if [ "$(id -u)" = 0 ] && [ "$uid" != 0 ]; then
    if [ -d /workspace/.build ] && [ "$(stat -c %u:%g /workspace/.build)" != "$uid:$gid" ]; then
        chown -R "$uid:$gid" /workspace/.build
    fi
    export HOME=/tmp
    exec setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
fi
exec "$@"
