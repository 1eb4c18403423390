# Sourced by bench/run.sh, bench/chain-ab.sh, bench/startup.sh and bench/startup-ab.sh: the JVM options
# of the ./otaclient launcher (launcher_opts), and the bench's work directory, which is a
# filesystem of its own, ext4 with a journal (mkfs.ext4's default, as a device's slot has) in a sparse
# file beside it (<workdir>/<profile>.ext4), loop-mounted for the run and kept between runs, so the
# workload and images are reused.
#
# Why: on an ext4 without a journal (the root filesystem of the machines these figures come from is
# one), the kernel allocates every new inode past the free inodes whose deletion is less than 60 s old
# (360 s while their inode-table block is dirty), with one buffer-cache lookup per inode skipped
# (ext4's recently_deleted(), only used when there is no journal). Right after a tree of 3 000 files
# was deleted, `curl --parallel` wrote the small image's 2 761 blobs in 2.4 s instead of 0.3 s, and
# any other process deleting files on the same filesystem changed every figure. With a journal the
# check is not made. BENCH_FS=host keeps the work directory where it is (figures then depend on it).
workfs_mounted=""
workfs_loop=""

# mount_workfs DIR SIZE: DIR becomes the mount point of DIR.ext4 (created SIZE bytes sparse, once)
mount_workfs() {
  local dir=$1 size=$2 img
  [[ "${BENCH_FS:-loop}" == host ]] && return 0
  mountpoint -q "$dir" && return 0
  if [[ $(id -u) != 0 ]]; then
    echo "bench: the work filesystem is loop-mounted, which needs root (BENCH_FS=host: use $dir as it is)" >&2
    exit 1
  fi
  img="$dir.ext4"
  if [[ ! -f "$img" ]]; then
    truncate -s "$size" "$img"
    # inode tables written now, not by the kernel's lazy-init thread during the first measurements
    mkfs.ext4 -q -F -i 65536 -E lazy_itable_init=0,lazy_journal_init=0 "$img"
  fi
  mkdir -p "$dir"
  # direct I/O: the loop device writes through to the disk, so a `sync` in the bench means on disk
  # and the host's writeback of the image file never runs behind a later measurement (it made the
  # first reference after the images were built up to 2.5x slower); discard: what the bench deletes
  # is given back to the filesystem holding the sparse file
  workfs_loop=$(losetup --find --show --direct-io=on "$img")
  mount -o discard "$workfs_loop" "$dir"
  workfs_mounted=$dir
}

# unmount_workfs: unmounts what mount_workfs mounted (lazily when a log writer still holds a file)
unmount_workfs() {
  [[ -n "$workfs_mounted" ]] || return 0
  if umount "$workfs_mounted" 2>/dev/null; then
    losetup -d "$workfs_loop"
  else
    # a log writer still holds a file: detached lazily, the loop device goes with the last user
    umount -l "$workfs_mounted"
    losetup -d "$workfs_loop" 2>/dev/null || true
  fi
  workfs_mounted=""
}

# launcher_opts REPO: the JVM options users get, the defaults of REPO's ./otaclient launcher (and of
# docs/otaclient.service); fails when they cannot be read
launcher_opts() {
  local opts
  opts=$(sed -n 's/^defaults="\([^"]*\)"$/\1/p' "$1/otaclient" | head -1)
  [[ -n "$opts" ]] || { echo "bench: cannot read the default JVM options from $1/otaclient" >&2; return 1; }
  echo "$opts"
}

# launcher_jvm TARGET_DIR: the JVM and archive options the ./otaclient launcher uses for the jar in
# TARGET_DIR (an otaclient-cli/target directory), as it chooses them: OTACLIENT_JAVA (default `java`),
# with the package step's AOT cache when OTACLIENT_JAVA names the JDK that made it, else with the AppCDS
# archive when there is one. Prints "JAVA [OPTIONS]".
launcher_jvm() {
  local dir=$1 java=${OTACLIENT_JAVA:-java}
  if [[ -s "$dir/otaclient.aot" && "$java" == "$(cat "$dir/otaclient.aot-java" 2>/dev/null)" ]]; then
    # (not --enable-native-access: with a module option the training did not have, the JVM drops the
    # cache's linked classes; off the -jar path zstd-jni then warns on stderr when it loads)
    echo "$java -XX:AOTCache=$dir/otaclient.aot -Xlog:aot=off -Xlog:cds=off"
  elif [[ -f "$dir/otaclient.jsa" ]]; then
    echo "$java -XX:SharedArchiveFile=$dir/otaclient.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
  else
    echo "$java"
  fi
}
