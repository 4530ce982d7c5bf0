#!/bin/bash
# Copies into ROOT exactly what CapitalEngine needs at run time on Mesa: the binary, the Vulkan
# loader, every installed Vulkan ICD with its manifest, and the shared-library closure of all
# of them (as ldd resolves it), plus a user, /tmp and the dynamic linker's cache.
#
# Why: Debian's mesa-vulkan-drivers drags in python3, perl and the whole base system (about
# 250 MB of a 617 MB image) that nothing loads at run time.
#
#   collect-rootfs.sh ROOT BINARY
set -euo pipefail
root=${1:?usage: collect-rootfs.sh ROOT BINARY}
binary=${2:?usage: collect-rootfs.sh ROOT BINARY}

mkdir -p "$root"
# Keep the merged-/usr layout (/lib -> usr/lib, ...) so every path ldd prints stays valid.
for dir in bin sbin lib lib32 lib64 libx32; do
    if [[ -L /$dir ]]; then
        mkdir -p "$root/$(readlink -f "/$dir")"
        ln -sfn "$(readlink "/$dir")" "$root/$dir"
    fi
done

copy() {
    # The file lands under its own name (a soname link becomes a regular file) in the real
    # directory, so links through /lib and /usr/lib resolve alike.
    local path=$1 directory
    directory=$(readlink -f "$(dirname "$path")")
    mkdir -p "$root$directory"
    [[ -e $root$directory/$(basename "$path") ]] || cp -L "$path" "$root$directory/$(basename "$path")"
}

libraries_of() {
    local file=$1
    # ldd prints "name => /path (address)" or "/path (address)" for the dynamic linker.
    ldd "$file" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | while read -r library; do
        copy "$library"
    done
}

with_closure() {
    copy "$1"
    libraries_of "$1"
}

libraries_of "$binary"
mkdir -p "$root/usr/local/bin"
cp "$binary" "$root/usr/local/bin/CapitalEngine"

loader=$(ldconfig -p | awk '/libvulkan\.so\.1 / { print $NF; exit }')
[[ -n $loader ]] || { echo "collect-rootfs.sh: the Vulkan loader (libvulkan1) is not installed" >&2; exit 1; }
with_closure "$loader"

shopt -s nullglob
icds=(/usr/share/vulkan/icd.d/*.json)
(( ${#icds[@]} > 0 )) || { echo "collect-rootfs.sh: no Vulkan ICD manifests; install Mesa's drivers first" >&2; exit 1; }
# Drivers, and Mesa's layers (device_select is implicit: the loader runs it on every device
# choice, and MESA_VK_DEVICE_SELECT relies on it).
for manifest in "${icds[@]}" /usr/share/vulkan/implicit_layer.d/*.json /usr/share/vulkan/explicit_layer.d/*.json; do
    copy "$manifest"
    library=$(sed -n 's/.*"library_path"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$manifest")
    [[ $library == /* ]] || library=$(ldconfig -p | awk -v name="$library" '$1 == name { print $NF; exit }')
    [[ -n $library && -e $library ]] || { echo "collect-rootfs.sh: $manifest names a missing library" >&2; exit 1; }
    with_closure "$library"
done
# Mesa's per-application driver settings.
for file in /usr/share/drirc.d/*; do copy "$file"; done

mkdir -p "$root/etc"
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
capitalengine:x:10001:10001:CapitalEngine:/data:/usr/sbin/nologin
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
capitalengine:x:10001:
GROUP
cp -r /etc/ld.so.conf /etc/ld.so.conf.d "$root/etc/"
ldconfig -r "$root"
install -d -m 1777 "$root/tmp"
install -d -m 0755 -o 10001 -g 10001 "$root/data"
