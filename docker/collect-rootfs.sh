#!/bin/bash
# Copies into ROOT exactly what CapitalEngine needs at run time on Mesa: the binary, the Vulkan
# loader, libwayland-client and libxkbcommon, every installed Vulkan ICD with its manifest, and
# the shared-library closure of all of them (as ldd resolves it), plus a user, /tmp and the
# dynamic linker's cache.
#
# Why: Debian's mesa-vulkan-drivers drags in python3, perl and the whole base system (about
# 250 MB of a 617 MB image) that nothing loads at run time.
#
#   collect-rootfs.sh ROOT BINARY
#   collect-rootfs.sh --from SOURCE ROOT BINARY
# With --from, the files come from SOURCE, a root of another architecture (the arm64 runtime
# the rpi image is made of, on an x86-64 machine): libraries are then found by their
# DT_NEEDED names (readelf) in SOURCE's library folders instead of by ldd, which would have
# to run them.
set -euo pipefail
source_root=
if [[ ${1:-} == --from ]]; then source_root=$(realpath "${2:?--from needs a root}"); shift 2; fi
root=${1:?usage: collect-rootfs.sh [--from SOURCE] ROOT BINARY}
binary=${2:?usage: collect-rootfs.sh [--from SOURCE] ROOT BINARY}

mkdir -p "$root"
# Keep the merged-/usr layout (/lib -> usr/lib, ...) so every path ldd prints stays valid.
for dir in bin sbin lib lib32 lib64 libx32; do
    if [[ -L $source_root/$dir ]]; then
        mkdir -p "$root/$(realpath -m --relative-to="$source_root/" "$(readlink -f "$source_root/$dir")")"
        ln -sfn "$(readlink "$source_root/$dir")" "$root/$dir"
    fi
done

copy() {
    # PATH is as the running system sees it. The file lands under its own name (a soname
    # link becomes a regular file) in the real directory, so links through /lib and /usr/lib
    # resolve alike.
    local path=$1 directory
    directory=$(readlink -f "$source_root$(dirname "$path")")
    directory=${directory#"$source_root"}
    mkdir -p "$root$directory"
    [[ -e $root$directory/$(basename "$path") ]] || cp -L "$source_root$path" "$root$directory/$(basename "$path")"
}

# A library of SOURCE by its DT_NEEDED name, as the dynamic linker would find it there.
find_needed() {
    local name=$1 directory
    for directory in "$source_root"/lib/*-linux-gnu "$source_root"/usr/lib/*-linux-gnu "$source_root"/lib "$source_root"/usr/lib; do
        [[ -e $directory/$name ]] && { echo "${directory#"$source_root"}/$name"; return; }
    done
    echo "collect-rootfs.sh: $name, needed by what the image holds, is not in $source_root" >&2
    return 1
}

libraries_of() {
    local file=$1 library
    if [[ -z $source_root ]]; then
        # ldd prints "name => /path (address)" or "/path (address)" for the dynamic linker.
        ldd "$file" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | while read -r library; do
            copy "$library"
        done
        return
    fi
    # Breadth-first over DT_NEEDED, each library once.
    local queue=("$file") seen=" " current path
    while ((${#queue[@]})); do
        current=${queue[0]}; queue=("${queue[@]:1}")
        for library in $(readelf -d "$current" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            [[ $seen == *" $library "* ]] && continue
            seen+="$library "
            path=$(find_needed "$library") || exit 1
            copy "$path"
            queue+=("$source_root$path")
        done
    done
    # The dynamic linker itself (the interpreter), which DT_NEEDED may not name.
    local interpreter
    interpreter=$(readelf -l "$file" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
    [[ -z $interpreter ]] || copy "$interpreter"
}

with_closure() {
    copy "$1"
    libraries_of "$source_root$1"
}

libraries_of "$binary"
mkdir -p "$root/usr/local/bin"
cp "$binary" "$root/usr/local/bin/CapitalEngine"

# A library by its soname, where SOURCE's dynamic linker would find it. awk reads all of
# ldconfig's list: leaving at the first match could end ldconfig by SIGPIPE, which pipefail
# makes a failure, and `set -e` would end this script without a word.
resolve() {
    if [[ -z $source_root ]]; then
        ldconfig -p | awk -v name="$1" '$1 == name && !found { print $NF; found = 1 }'
    else
        find_needed "$1" 2>/dev/null
    fi
}
loader=$(resolve libvulkan.so.1)
[[ -n $loader ]] || { echo "collect-rootfs.sh: the Vulkan loader (libvulkan1) is not installed" >&2; exit 1; }
with_closure "$loader"
# What the binary loads only when a Wayland window opens (dlopen, so no DT_NEEDED names them).
for soname in libwayland-client.so.0 libxkbcommon.so.0; do
    library=$(resolve "$soname")
    [[ -n $library ]] || { echo "collect-rootfs.sh: $soname (Wayland windows) is not installed" >&2; exit 1; }
    with_closure "$library"
done

shopt -s nullglob
icds=("$source_root"/usr/share/vulkan/icd.d/*.json)
(( ${#icds[@]} > 0 )) || { echo "collect-rootfs.sh: no Vulkan ICD manifests; install Mesa's drivers first" >&2; exit 1; }
# Drivers, and Mesa's layers (device_select is implicit: the loader runs it on every device
# choice, and MESA_VK_DEVICE_SELECT relies on it).
for manifest in "${icds[@]}" "$source_root"/usr/share/vulkan/implicit_layer.d/*.json "$source_root"/usr/share/vulkan/explicit_layer.d/*.json; do
    copy "${manifest#"$source_root"}"
    library=$(sed -n 's/.*"library_path"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$manifest")
    [[ $library == /* ]] || library=$(resolve "$library")
    [[ -n $library && -e $source_root$library ]] || { echo "collect-rootfs.sh: $manifest names a missing library" >&2; exit 1; }
    with_closure "$library"
done
# Mesa's per-application driver settings.
for file in "$source_root"/usr/share/drirc.d/*; do copy "${file#"$source_root"}"; done

mkdir -p "$root/etc"
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
capitalengine:x:10001:10001:CapitalEngine:/data:/usr/sbin/nologin
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
capitalengine:x:10001:
GROUP
if [[ -z $source_root ]]; then
    cp -r /etc/ld.so.conf /etc/ld.so.conf.d "$root/etc/"
    ldconfig -r "$root"
fi
# (Another architecture's root gets no cache: its dynamic linker searches its multiarch
# folders, where every library here is.)
install -d -m 1777 "$root/tmp"
install -d -m 0755 -o 10001 -g 10001 "$root/data"
