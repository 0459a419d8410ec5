#!/usr/bin/env bash
# Runs a command as on a machine without oneDNN: in a private mount namespace
# (unshare -m as root, else unshare -rm in a user namespace) where every oneDNN header, library, CMake config and
# pkg-config file reads as /dev/null (a character device, so it is neither
# found by the build's discovery nor loadable by the dynamic loader) and the
# oneDNN include directories are empty tmpfs mounts. Nothing changes outside
# the command.
#
#   tools/ci-hide-onednn.sh npm ci
#   tools/ci-hide-onednn.sh bash -c 'npm ci && npm test'
#
# Exits 2 when it cannot hide oneDNN (not root, no unshare): callers must not
# take such a run as proof of the fresh-machine path.
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 64
fi
if [ "${BYOLMED3D_ONEDNN_HIDDEN:-}" != 1 ]; then
  if ! command -v unshare >/dev/null; then
    echo "ci-hide-onednn: needs unshare(1) (util-linux) to hide oneDNN" >&2
    exit 2
  fi
  if [ "$(id -u)" = 0 ]; then
    exec unshare -m --propagation private env BYOLMED3D_ONEDNN_HIDDEN=1 "$0" "$@"
  fi
  # Not root: a user namespace (mapped to root inside) may mount, where the kernel allows it.
  if unshare -rm true 2>/dev/null; then
    exec unshare -rm --propagation private env BYOLMED3D_ONEDNN_HIDDEN=1 "$0" "$@"
  fi
  echo "ci-hide-onednn: cannot create a mount namespace (needs root, or unprivileged user namespaces)" >&2
  exit 2
fi

# Inside the new mount namespace.
dirs=()
files=()
for d in /usr/include/oneapi /usr/local/include/oneapi /usr/include/dnnl* /usr/local/include/dnnl* \
  /usr/lib*/cmake/dnnl /usr/lib/*/cmake/dnnl /usr/local/lib*/cmake/dnnl /opt/intel/oneapi/dnnl; do
  [ -d "$d" ] && dirs+=("$d")
done
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find /usr /opt /lib /lib64 -xdev \( -name 'dnnl*.h' -o -name 'dnnl*.hpp' -o -name 'libdnnl.so*' -o -name 'dnnl.pc' -o -name 'onednn.pc' \) \
    \( -type f -o -type l \) -print0 2>/dev/null || true
)
for f in "${files[@]}"; do mount --bind /dev/null "$f"; done
for d in "${dirs[@]}"; do mount -t tmpfs -o size=1m,mode=0755 tmpfs "$d"; done
echo "ci-hide-onednn: oneDNN hidden (${#files[@]} files, ${#dirs[@]} directories)" >&2
# Proof: neither the headers nor the library are usable now.
for f in /usr/include/dnnl.hpp /usr/include/oneapi/dnnl/dnnl.hpp $(ldconfig -p 2>/dev/null | awk '/libdnnl\.so/{print $NF}'); do
  if [ -f "$f" ] && [ -s "$f" ]; then
    echo "ci-hide-onednn: oneDNN still visible: $f" >&2
    exit 2
  fi
done
exec "$@"
