#!/usr/bin/env bash
# Benchmarks of the update engine against the physical limit and standard tools (issue 8).
#
#   bench/run.sh [--quick]
#
# --quick: the small image, ~3 000 files / 180 MiB (under 5 minutes on 2 cores); default: ~60 000
# files / 2 GiB, then the small image's run as well (BENCH_SMALL=0 skips it).
# Environment:
#   BENCH_WORKDIR   work directory (default bench/work); everything is written below it, in
#                   <profile>/, which is the mount point of <profile>.ext4 beside it (bench/workfs.sh)
#   BENCH_FS=host   do not mount: measure on the filesystem that holds BENCH_WORKDIR
#   BENCH_PORT      nginx port on 127.0.0.1 (default 18080)
#   BENCH_REGEN=1   regenerate the workload even when a matching one exists
#   BENCH_LOW_JAVA_OPTS / BENCH_LOW_THREADS   the documented low-memory setting (see docs/benchmarks.md)
#   BENCH_REF_RUNS / BENCH_OUR_RUNS   runs of each reference (default 3) and of the default chain s1-s4
#                   (default 3 quick, 1 full); medians are reported
#   BENCH_ONLY      which scenarios to run (default: all): any of "1-4 zstd low v1 5 6 cap"; the references
#                   of scenarios 1-4 run only when one of 1-4, zstd, low, v1 is selected; v1: full and
#                   delta installs of the same trees as OTA image v1 (otaclient image build --format v1)
#   BENCH_S5_CALLERS / BENCH_S5_SECONDS   scenario 5: concurrent Status callers (default 1,8,32) and
#                   measured seconds per caller count and phase (default 3 quick, 10 full)
#   BENCH_S5_MODE   scenario 5's callers: async (default: each starts its next call from the last one's
#                   callback), blocking (a thread each, as up to round seventeen) or async,blocking (both)
#   BENCH_PROXY_PORT   scenario 6: ota_proxy port on 127.0.0.1 (default BENCH_PORT + 1)
#   BENCH_PROXY_JAVA_OPTS   scenario 6: JVM options added to the proxy's (e.g. a JFR recording)
#   BENCH_CAP       the cap row (small image only): the download cap in bytes/s (default 15728640, 15 MiB/s,
#                   ~12 s of transfer for the small image's ~175 MiB)
#
# Prints the result table and writes it to <workdir>/<profile>/report.md; raw figures are in
# results.jsonl next to it. All runs are warm-cache (caches cannot be dropped in a container); every
# measurement starts after a `sync`, so none pays for another's dirty pages, and every reference that
# writes files is timed including a final `sync -f` of its target, because the client syncs too.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
profile=full
files=60000
bytes=$((2048 * 1024 * 1024))
if [[ "${1:-}" == "--quick" ]]; then
  profile=quick
  files=3000
  bytes=$((180 * 1024 * 1024))
elif [[ -n "${1:-}" ]]; then
  echo "usage: bench/run.sh [--quick]" >&2
  exit 2
fi
W=$(mkdir -p "${BENCH_WORKDIR:-$here/work}/$profile" && cd "${BENCH_WORKDIR:-$here/work}/$profile" && pwd)
# shellcheck source=bench/workfs.sh
. "$here/workfs.sh"
mount_workfs "$W" "$([[ $profile == quick ]] && echo 24G || echo 160G)"
trap unmount_workfs EXIT
port=${BENCH_PORT:-18080}
# "default": the JVM options users get, those of the ./otaclient launcher (and docs/otaclient.service)
default_opts=$(launcher_opts "$repo")
low_opts=${BENCH_LOW_JAVA_OPTS:--Xmx48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=32m -Xss512k}
low_threads=${BENCH_LOW_THREADS:-2 4}   # workers, concurrent downloads
only=" ${BENCH_ONLY:-1-4 zstd low v1 5 6 cap} "
only=${only//,/ }
want() { [[ "$only" == *" $1 "* ]]; }
s5_callers=${BENCH_S5_CALLERS:-1,8,32}
s5_seconds=${BENCH_S5_SECONDS:-$([[ $profile == quick ]] && echo 3 || echo 10)}
s5_warmup=$([[ $profile == quick ]] && echo 1 || echo 2)
s5_mode=${BENCH_S5_MODE:-async}
proxy_port=${BENCH_PROXY_PORT:-$((port + 1))}
jar="$repo/otaclient-cli/target/otaclient.jar"
# the launcher's JVM and archive (launcher_jvm): `java` with the AppCDS archive, or with OTACLIENT_JAVA
# naming the JDK 25 the package step made an AOT cache for, that JDK with the cache; the low-memory
# setting runs `java`
read -r default_java archive_opts <<< "$(launcher_jvm "$repo/otaclient-cli/target")"
default_opts="$default_opts $archive_opts"
results="$W/results.jsonl"
t_start=$(date +%s)
: > "$W/run.log"
exec 2> >(tee -a "$W/run.log" >&2)

say() { printf '[bench %4ds] %s\n' $(($(date +%s) - t_start)) "$*" >&2; }

# ------------------------------------------------------------------ tools (nothing is installed here)
missing=()
for t in java javac python3 nginx curl rsync cp sync; do
  command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
[[ -x /usr/bin/time ]] || missing+=("/usr/bin/time (Debian package: time)")
if ((${#missing[@]})); then
  echo "bench: missing tools: ${missing[*]}" >&2
  echo "bench: on Debian: apt-get install -y nginx-light curl rsync time default-jdk-headless python3" >&2
  exit 1
fi
if [[ ! -f "$jar" ]]; then
  say "otaclient.jar not found: building it as the README says (mvn -B -ntp -DskipTests package)"
  (cd "$repo" && mvn -B -ntp -DskipTests package)
fi
cores=$(nproc)
# the engine's default download concurrency (UpdateSettings.defaults): curl gets the same
conc=$((cores * 4 < 16 ? cores * 4 : 16))
conc=$((conc < 4 ? 4 : conc))

mkdir -p "$W/classes"
javac -nowarn -d "$W/classes" -cp "$jar" "$here/Harness.java" "$here/StatusLoad.java"
harness=(java -cp "$jar:$W/classes" Harness)

# ------------------------------------------------------------------ workload (cached by its stamp)
stamp="gen=$(sha256sum "$here/gen_rootfs.py" | cut -c1-16) files=$files bytes=$bytes persist=/etc/hostname"
if [[ "${BENCH_REGEN:-0}" == 1 || "$(cat "$W/workload.stamp" 2>/dev/null)" != "$stamp" ]]; then
  say "generating the workload ($files files, $((bytes / 1048576)) MiB; v2 and v3 change ~10 % each)"
  rm -rf "$W/trees" "$W/images" "$W/workload.stamp" "$W/images.stamp"
  mkdir -p "$W/trees"
  python3 "$here/gen_rootfs.py" create --out "$W/trees/v1" --seed 1 --files "$files" --bytes "$bytes" > "$W/gen-v1.json"
  cp -a "$W/trees/v1" "$W/trees/v2"
  python3 "$here/gen_rootfs.py" mutate --tree "$W/trees/v2" --seed 2 --fraction 0.10 > "$W/gen-v2.json"
  cp -a "$W/trees/v2" "$W/trees/v3"
  python3 "$here/gen_rootfs.py" mutate --tree "$W/trees/v3" --seed 3 --fraction 0.10 > "$W/gen-v3.json"
  # a persistent file, as a device has: the images list it; the chain changes it on the device (below)
  for v in v1 v2 v3; do echo "bench-image" > "$W/trees/$v/etc/hostname"; done
  echo "$stamp" > "$W/workload.stamp"
else
  say "reusing the workload in $W/trees ($stamp)"
fi
# Scenario 6 runs four clients at once: on the full workload that would be four 2 GiB installs, so it
# uses a tree of its own there (10 000 files / 300 MiB); the quick profile's image is small already
# and is used as it is.
s6_files=10000
s6_bytes=$((300 * 1024 * 1024))
s6_img=v1
if want 6 && [[ $profile == full ]]; then
  s6_img=s6
  s6_stamp="gen=$(sha256sum "$here/gen_rootfs.py" | cut -c1-16) files=$s6_files bytes=$s6_bytes"
  if [[ "${BENCH_REGEN:-0}" == 1 || "$(cat "$W/s6-workload.stamp" 2>/dev/null)" != "$s6_stamp" ]]; then
    say "generating the scenario 6 tree ($s6_files files, $((s6_bytes / 1048576)) MiB)"
    rm -rf "$W/trees/s6" "$W/images/s6" "$W/s6-workload.stamp"
    python3 "$here/gen_rootfs.py" create --out "$W/trees/s6" --seed 1 --files "$s6_files" --bytes "$s6_bytes" \
      > "$W/gen-s6.json"
    echo "$s6_stamp" > "$W/s6-workload.stamp"
  fi
fi

build() { # name tree extra-args...
  local name=$1 tree=$2
  shift 2
  local t0=$(date +%s.%N)
  java -jar "$jar" image build --rootfs "$tree" --out "$W/images/$name" --sign-key "$W/ca/sign.key" \
    --cert "$W/ca/sign.pem" "$@" > "$W/images/$name.build.txt"
  say "  image $name: $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
}
img_stamp="$stamp jar=$(stat -c %Y "$jar")"
if [[ "$(cat "$W/images.stamp" 2>/dev/null)" != "$img_stamp" ]]; then
  say "building images with the project's builder"
  rm -rf "$W/images" "$W/ca"
  mkdir -p "$W/images"
  "${harness[@]}" ca --out "$W/ca"
  # Plain images copy data/ (the rootfs keeps st_nlink 1); the zstd images then hard-link it, which
  # raises every rootfs file's link count, so they are built last and only from trees built already.
  echo "/etc/hostname" > "$W/persistents.txt"
  build v1 "$W/trees/v1" --persistents "$W/persistents.txt"
  build v2 "$W/trees/v2" --persistents "$W/persistents.txt"
  build v3 "$W/trees/v3" --persistents "$W/persistents.txt"
  build v1z "$W/trees/v1" --compress --hard-link-data --persistents "$W/persistents.txt"
  build v2z "$W/trees/v2" --compress --hard-link-data --persistents "$W/persistents.txt"
  echo "$img_stamp" > "$W/images.stamp"
fi
if want v1 && [[ "$(cat "$W/images/v1f.stamp" 2>/dev/null)" != "$img_stamp" ]]; then
  say "building OTA image v1 images of the same trees"
  rm -rf "$W/images/v1f1" "$W/images/v1f2"
  build v1f1 "$W/trees/v1" --format v1 --ecu-id autoware --chain "$W/ca/intermediate.pem"
  build v1f2 "$W/trees/v2" --format v1 --ecu-id autoware --chain "$W/ca/intermediate.pem"
  echo "$img_stamp" > "$W/images/v1f.stamp"
fi
if [[ $s6_img == s6 && "$(cat "$W/images/s6.stamp" 2>/dev/null)" != "$s6_stamp $img_stamp" ]]; then
  rm -rf "$W/images/s6"
  build s6 "$W/trees/s6"
  echo "$s6_stamp $img_stamp" > "$W/images/s6.stamp"
fi

# ------------------------------------------------------------------ nginx on loopback
if curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
  echo "bench: 127.0.0.1:$port is already in use; set BENCH_PORT" >&2
  exit 1
fi
mkdir -p "$W/nginx/tmp"
sed -e "s|@W@|$W|g" -e "s|@PORT@|$port|g" -e "s|@WORKERS@|$cores|g" "$here/nginx.conf.in" > "$W/nginx/nginx.conf"
: > "$W/nginx/access.log"
nginx -c "$W/nginx/nginx.conf" -p "$W/nginx" &
nginx_pid=$!
proxy_java=""
cleanup() {
  [[ -n "$proxy_java" ]] && kill "$proxy_java" 2>/dev/null
  kill "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  unmount_workfs
}
trap cleanup EXIT
for _ in $(seq 50); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/v1/metadata.jwt" && break
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/v1/metadata.jwt" || { echo "bench: nginx did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"

# ------------------------------------------------------------------ measuring
: > "$results"
BENCH_DEFAULT_JAVA=$default_java python3 - "$W" "$profile" "$cores" "$conc" >> "$results" <<'EOF'
import json, sys, os, platform, subprocess
W, profile, cores, conc = sys.argv[1:]
g = {v: json.load(open(os.path.join(W, "gen-%s.json" % v))) for v in ("v1", "v2", "v3")}
mem = next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1]
jdk = subprocess.run([os.environ.get("BENCH_DEFAULT_JAVA", "java"), "-version"], capture_output=True, text=True).stderr.splitlines()[1]
print(json.dumps({"kind": "meta", "profile": profile, "cores": int(cores), "curl_parallel": int(conc),
    "mem_kb": int(mem), "jdk": jdk, "kernel": platform.release(),
    "workload": "%s: v1 %d files / %.0f MiB (%d dirs, %d symlinks); v2 changes %.1f %%, v3 %.1f %% of the bytes" % (
        profile, g["v1"]["regular_files"], g["v1"]["bytes"] / 1048576, g["v1"]["dirs"], g["v1"]["symlinks"],
        100 * g["v2"]["changed_fraction"], 100 * g["v3"]["changed_fraction"]), "gen": g}))
EOF

# timed NAME OUTFILE -- CMD...: runs CMD under /usr/bin/time after a sync; sets wall, rss_kb, cpu
timed() {
  local out=$2
  shift 3
  sync
  /usr/bin/time -f '%e %M %U %S' -o "$W/time.txt" "$@" > "$out" 2> "$out.err" || {
    echo "bench: command failed: $*" >&2
    tail -5 "$out.err" >&2
    return 1
  }
  read -r wall rss_kb user sys < <(tail -1 "$W/time.txt")
}

# ref NAME TARGET_TO_SYNC FILES BYTES PREP -- CMD...: a reference, timed including `sync -f TARGET`,
# BENCH_REF_RUNS times (default 3), each after the untimed command PREP (which resets its target); the
# run with the median total is recorded. A single run of a reference varied by up to 2.5x (the first
# measurement after the images were written was the slow one); ours are single runs (see the doc).
ref_runs=${BENCH_REF_RUNS:-3}
# the default chain (s1-s4) runs BENCH_OUR_RUNS times (3 on the small image, 1 at 60 000 files, where
# one chain takes ~30 s); the report shows the run of median wall time and the highest peak RSS
our_runs=${BENCH_OUR_RUNS:-$([[ $profile == quick ]] && echo 3 || echo 1)}
ref() {
  local name=$1 target=$2 nfiles=$3 nbytes=$4 prep=$5
  shift 6
  local runs=() i
  for ((i = 0; i < ref_runs; i++)); do
    eval "$prep"
    timed "$name" "$W/ref-$name.out" -- "$@"
    local s0=$(date +%s.%N)
    [[ -e "$target" ]] && sync -f "$target"
    local syncs=$(python3 -c "print(round($(date +%s.%N) - $s0, 3))")
    runs+=("$(python3 -c "print(round($wall + $syncs, 3))") $wall $syncs $rss_kb")
  done
  local total cmd syncs rss all
  read -r total cmd syncs rss < <(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(((ref_runs + 1) / 2))p")
  all=$(printf '%s\n' "${runs[@]}" | cut -d' ' -f1 | paste -sd, -)
  printf '{"kind":"ref","name":"%s","wall":%s,"cmd_wall":%s,"sync_wall":%s,"rss_kb":%s,"files":%s,"bytes":%s,"runs":[%s]}\n' \
    "$name" "$total" "$cmd" "$syncs" "$rss" "$nfiles" "$nbytes" "$all" >> "$results"
  say "  ref $name: $total s (median of $ref_runs: $all; command $cmd s + sync $syncs s)"
}

count_files() { find "$1" -type f | wc -l; }
# a real A/B update mounts its standby first, and a filesystem just mounted has nothing cached;
# dropping the caches (root, and not allowed in most containers) is how the bench gets there
can_drop_caches() { [[ -w /proc/sys/vm/drop_caches ]] && (echo 1 > /proc/sys/vm/drop_caches) 2>/dev/null; }
drop_caches() { sync && echo 3 > /proc/sys/vm/drop_caches; }
sum_bytes() { du -sb --apparent-size "$1" | cut -f1; }

if want 1-4 || want zstd || want low || want v1; then
say "references (curl --parallel-max $conc, cp -a, rsync)"
mkdir -p "$W/ref"
for spec in "curl-v1:v1::" "curl-v1z:v1z::--zstd" "curl-v2-delta:v2:v1:"; do
  IFS=: read -r name img since zflag <<< "$spec"
  python3 "$here/benchtool.py" curl-config --image "$W/images/$img" --base-url "$base/$img" --out "$W/ref/curl" \
    ${since:+--since "$W/images/$since"} $zflag > "$W/ref/$name.cfg" 2> "$W/ref/$name.json"
  n=$(python3 -c "import json; print(json.load(open('$W/ref/$name.json'))['files'])")
  b=$(python3 -c "import json; print(json.load(open('$W/ref/$name.json'))['bytes'])")
  ref "$name" "$W/ref" "$n" "$b" 'rm -rf "$W/ref/curl"' -- \
    curl -sS --fail --parallel --parallel-max "$conc" --create-dirs -K "$W/ref/$name.cfg"
done
rm -rf "$W/ref/curl"

v1_files=$(count_files "$W/trees/v1")
v1_bytes=$(sum_bytes "$W/trees/v1")
ref cp-v1 "$W/ref" "$v1_files" "$v1_bytes" 'rm -rf "$W/ref/cp"' -- cp -a "$W/trees/v1" "$W/ref/cp"
rm -rf "$W/ref/cp"

# rsync NAME FROM INTO [--cold] [--checksum]: INTO is a fresh copy of tree INTO (untimed), then FROM is
# synced into it; --cold drops every cache after the copy (s4c, s3c)
rsync_ref() {
  local name=$1 from=$2 into=$3 cold=""
  shift 3
  if [[ "${1:-}" == --cold ]]; then
    cold=" && drop_caches"
    shift
  fi
  ref "$name" "$W/ref" "$(count_files "$W/trees/$from")" "$(sum_bytes "$W/trees/$from")" \
    "rm -rf '$W/ref/rs' && cp -a '$W/trees/$into' '$W/ref/rs'$cold" -- \
    rsync -a --delete "$@" "$W/trees/$from/" "$W/ref/rs/"
}
rsync_ref rsync-v1-to-v2 v2 v1
rsync_ref rsync-v1-to-v2-checksum v2 v1 --checksum
rsync_ref rsync-v1-to-v3 v3 v1
rsync_ref rsync-v1-to-v3-checksum v3 v1 --checksum
rsync_ref rsync-noop-v2 v2 v2
rsync_ref rsync-noop-v2-checksum v2 v2 --checksum
rm -rf "$W/ref/rs"
fi

# ------------------------------------------------------------------ our scenarios
# apply NAME SETTINGS STATE IMAGE VERSION TREE SLOT REFS [JAVA_OPTS...] : one update, recorded
# (harness_extra: more Harness options, e.g. the cap)
harness_extra=()
apply() {
  local name=$1 settings=$2 state=$3 image=$4 version=$5 tree=$6 refs=$7
  shift 7
  local threads=()
  if [[ "$settings" == low ]]; then
    read -r lw ld <<< "$low_threads"
    threads=(--workers "$lw" --downloads "$ld")
  fi
  local jvm=java
  [[ "$settings" == default ]] && jvm=$default_java
  timed "$name" "$W/$name.json" -- "$jvm" "$@" -cp "$jar:$W/classes" Harness apply --state-dir "$state" \
    --certs "$W/ca/certs" --image "$base/$image/" --version "$version" "${threads[@]}" "${harness_extra[@]}"
  local slot
  slot=$(readlink "$state/active")
  python3 "$here/benchtool.py" check --slot "$state/$slot" --tree "$W/trees/$tree" --persistent /etc/hostname \
    > "$W/$name.check.json"
  python3 - "$W/$name.json" "$W/$name.check.json" "$name" "$settings" "$wall" "$rss_kb" "$user" "$sys" "$refs" \
      "$W/images/$image" "$W/images/$tree" >> "$results" <<'EOF'
import json, os, sys
out, chk, name, settings, wall, rss, user, sys_, refs, image, legacy = sys.argv[1:]
r = json.loads(open(out).read().strip().splitlines()[-1])
c = json.load(open(chk))
# an OTA image v1 has no total_regular_size.txt: the legacy image of the same tree says it
sizes = image + "/total_regular_size.txt"
total = int(open(sizes if os.path.exists(sizes) else legacy + "/total_regular_size.txt").read().strip())
print(json.dumps({"kind": "ours", "name": name, "settings": settings, "wall": float(wall), "rss_kb": int(rss),
    "cpu": float(user) + float(sys_), "engine": r["engine_seconds"], "status": r["status"],
    "files_processed": r["total_regular_files"], "bytes_processed": total, "download_bytes": r["download_bytes"],
    "files_download": r["files_download"], "files_copy": r["files_copy"], "files_link": r["files_link"],
    "write_bytes": r["io_after"]["write_bytes"] - r["io_before"]["write_bytes"],
    "tree_ok": c["ok"], "check": c, "refs": [x.split("=", 1)[::-1] for x in refs.split(",") if x],
    **{k: r[k] for k in ("cap", "cap_window_seconds", "cap_window_bytes") if k in r}}))
EOF
  say "  $name ($settings): $wall s, peak RSS $((rss_kb / 1024)) MiB, check ok=$(python3 -c "import json;print(json.load(open('$W/$name.check.json'))['ok'])")"
}

chain() { # SETTINGS [JAVA_OPTS...]
  local settings=$1
  shift
  local state="$W/dev-$settings"
  rm -rf "$state"
  apply "s1-full-$settings" "$settings" "$state" v1 v1 v1 \
    "parallel curl + sync=curl-v1,cp -a=cp-v1" "$@"
  # the device names itself after its first install: the persistent file now differs from every
  # image's, and each update carries it over (s4's standby holds it; it must not be downloaded)
  echo "device-$settings" > "$state/$(readlink "$state/active")/etc/hostname"
  apply "s2-delta-$settings" "$settings" "$state" v2 v2 v2 \
    "rsync=rsync-v1-to-v2,rsync --checksum=rsync-v1-to-v2-checksum" "$@"
  python3 "$here/benchtool.py" snapshot --tree "$state/slot_b" --out "$W/snap-s3-$settings.json"
  apply "s3-inplace-$settings" "$settings" "$state" v3 v3 v3 \
    "rsync=rsync-v1-to-v3,rsync --checksum=rsync-v1-to-v3-checksum" "$@"
  python3 "$here/benchtool.py" replaced --before "$W/snap-s3-$settings.json" --tree "$state/slot_b" \
    > "$W/s3-inplace-$settings.replaced.json"
  python3 "$here/benchtool.py" snapshot --tree "$state/slot_a" --out "$W/snap-s4-$settings.json"
  apply "s4-noop-$settings" "$settings" "$state" v2 v2 v2 \
    "rsync=rsync-noop-v2,rsync --checksum=rsync-noop-v2-checksum,full install=ours:s1-full-$settings" "$@"
  python3 "$here/benchtool.py" replaced --before "$W/snap-s4-$settings.json" --tree "$state/slot_a" \
    > "$W/s4-noop-$settings.replaced.json"
  # the default chain's device stays for s4c at the end of the run (its standby holds s3's v3)
  [[ "$settings" == default ]] || rm -rf "$state"
}

if want 1-4; then
  say "scenarios 1-4, default JVM options ($default_opts) and engine settings; the chain $our_runs time(s)"
  for ((rep = 0; rep < our_runs; rep++)); do
    # shellcheck disable=SC2086
    chain default $default_opts
  done
fi
if want zstd; then
  say "scenarios 1-2 with zstd blobs, default settings"
  state="$W/dev-zstd"
  rm -rf "$state"
  # shellcheck disable=SC2086
  apply s1-full-zstd default "$state" v1z v1 v1 "parallel curl of the zstd blobs + sync=curl-v1z,parallel curl + sync=curl-v1" $default_opts
  # shellcheck disable=SC2086
  apply s2-delta-zstd default "$state" v2z v2 v2 "rsync=rsync-v1-to-v2,rsync --checksum=rsync-v1-to-v2-checksum" $default_opts
  rm -rf "$state"
fi
if want low; then
  say "scenarios 1-4, low-memory setting: $low_opts, threads (workers, downloads) $low_threads"
  # shellcheck disable=SC2086
  chain low $low_opts
fi

if want v1; then
  say "OTA image v1: scenarios 1-2 (full, delta) from v1 images of the same trees, default settings"
  state="$W/dev-v1f"
  rm -rf "$state"
  # shellcheck disable=SC2086
  apply s1-full-v1f default "$state" v1f1 v1 v1 \
    "parallel curl + sync=curl-v1,legacy image=ours:s1-full-default" $default_opts
  # shellcheck disable=SC2086
  apply s2-delta-v1f default "$state" v1f2 v2 v2 \
    "rsync=rsync-v1-to-v2,legacy image=ours:s2-delta-default" $default_opts
  rm -rf "$state"
fi

# ------------------------------------------------------------------ cap: download bandwidth cap accuracy
if want cap && [[ $profile == quick ]]; then
  cap=${BENCH_CAP:-15728640}
  say "cap: full install of v1 capped at $cap bytes/s (achieved rate over the transfer window / cap)"
  state="$W/dev-cap"
  rm -rf "$state"
  harness_extra=(--max-download-rate "$cap")
  # shellcheck disable=SC2086
  apply s7-cap default "$state" v1 v1 v1 "" $default_opts
  harness_extra=()
  rm -rf "$state"
fi

# ------------------------------------------------------------------ scenario 5: Status under load
if want 5; then
  say "scenario 5: Status on the main ECU of an 8-ECU tree with a hung child; callers $s5_callers ($s5_mode), ${s5_seconds} s" \
    "each, tree idle, then main updating (v1, v2, ...)"
  rm -rf "$W/s5"
  # the launcher's JVM options, as every scenario: its serial collector's pauses are part of the tail
  # shellcheck disable=SC2086
  timed s5 "$W/s5.out" -- "$default_java" $default_opts -cp "$jar:$W/classes" StatusLoad --work "$W/s5" --certs "$W/ca/certs" \
    --callers "$s5_callers" --callers-mode "$s5_mode" --seconds "$s5_seconds" --warmup "$s5_warmup" \
    --update "v1=$base/v1/" --update "v2=$base/v2/"
  python3 "$here/benchtool.py" status-rows --out "$W/s5.out" --wall "$wall" --rss-kb "$rss_kb" \
    --cpu "$(python3 -c "print($user + $sys)")" >> "$results"
  say "  scenario 5: $wall s, peak RSS $((rss_kb / 1024)) MiB (eight ECUs, the updates and the callers in one JVM)"
  rm -rf "$W/s5"
fi

# ------------------------------------------------------------------ scenario 6: through the proxy
# flush_log: nginx buffers its access log; reopening it (USR1) writes the buffers out
flush_log() {
  kill -USR1 "$nginx_pid"
  sleep 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if want 6; then
  say "scenario 6: 4 clients at once through one ota_proxy (empty cache), image $s6_img"
  if port_open "$proxy_port"; then
    echo "bench: 127.0.0.1:$proxy_port is already in use; set BENCH_PROXY_PORT" >&2
    exit 1
  fi
  rm -rf "$W/s6"
  mkdir -p "$W/s6/cache"
  if [[ $s6_img == v1 ]] && want 1-4; then
    s6_refs="one client alone straight to nginx (s1)=ours:s1-full-default"
  else
    # the reference: one client alone, straight to nginx, same image and settings
    # shellcheck disable=SC2086
    apply s6-direct-1 default "$W/s6/direct" "$s6_img" v1 "$s6_img" "" $default_opts
    rm -rf "$W/s6/direct"
    s6_refs="one client alone straight to nginx=ours:s6-direct-1"
  fi
  # the second reference: the same four clients at once, straight to nginx. On one machine the four
  # clients share its cores, which a vehicle's four ECUs do not; this row isolates what the proxy adds.
  rm -rf "$W/s6/d4" && mkdir -p "$W/s6/d4"
  sync
  t0=$(date +%s.%N)
  pids=()
  for i in 1 2 3 4; do
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %M %U %S' -o "$W/s6/d4/c$i.time" "$default_java" $default_opts -cp "$jar:$W/classes" Harness apply \
      --state-dir "$W/s6/d4/dev$i" --certs "$W/ca/certs" --image "$base/$s6_img/" --version v1 \
      > "$W/s6/d4/c$i.json" 2> "$W/s6/d4/c$i.err" &
    pids+=($!)
  done
  d4_failed=0
  for p in "${pids[@]}"; do
    wait "$p" || d4_failed=$((d4_failed + 1))
  done
  d4_wall=$(python3 -c "print(round($(date +%s.%N) - $t0, 3))")
  ((d4_failed == 0)) || { echo "bench: $d4_failed of the 4 clients straight to nginx failed" >&2; tail -n 3 "$W"/s6/d4/c*.err >&2; exit 1; }
  python3 "$here/benchtool.py" multi-row --dir "$W/s6/d4" --wall "$d4_wall" --name s6-direct-4 >> "$results"
  rm -rf "$W/s6/d4"
  s6_refs="$s6_refs,4 clients at once straight to nginx=ours:s6-direct-4"
  sync
  flush_log
  log_from=$(stat -c %s "$W/nginx/access.log")
  # shellcheck disable=SC2086
  /usr/bin/time -f '%e %M %U %S' -o "$W/s6/proxy.time" "$default_java" $default_opts ${BENCH_PROXY_JAVA_OPTS:-} -jar "$jar" proxy --listen "127.0.0.1:$proxy_port" \
    --cache-dir "$W/s6/cache" > "$W/s6/proxy.log" 2>&1 &
  proxy_time_pid=$!
  for _ in $(seq 100); do
    port_open "$proxy_port" && break
    sleep 0.1
  done
  port_open "$proxy_port" || { echo "bench: ota_proxy did not start" >&2; cat "$W/s6/proxy.log" >&2; exit 1; }
  # the proxy's JVM is the child of /usr/bin/time: stopped by its pid (also by cleanup on failure)
  proxy_java=$(ps -o pid= --ppid "$proxy_time_pid" | tr -d ' ')
  t0=$(date +%s.%N)
  pids=()
  for i in 1 2 3 4; do
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %M %U %S' -o "$W/s6/c$i.time" "$default_java" $default_opts -cp "$jar:$W/classes" Harness apply \
      --state-dir "$W/s6/dev$i" --certs "$W/ca/certs" --image "$base/$s6_img/" --version v1 \
      --proxy "http://127.0.0.1:$proxy_port" > "$W/s6/c$i.json" 2> "$W/s6/c$i.err" &
    pids+=($!)
  done
  s6_failed=0
  for p in "${pids[@]}"; do
    wait "$p" || s6_failed=$((s6_failed + 1))
  done
  s6_wall=$(python3 -c "print(round($(date +%s.%N) - $t0, 3))")
  # stop the proxy and let /usr/bin/time write its figures
  [[ -n "$proxy_java" ]] && kill "$proxy_java"
  wait "$proxy_time_pid" || true
  proxy_java=""
  flush_log
  if ((s6_failed)); then
    echo "bench: $s6_failed of the 4 clients through the proxy failed:" >&2
    tail -n 3 "$W"/s6/c*.err >&2
  fi
  for i in 1 2 3 4; do
    slot=$(readlink "$W/s6/dev$i/active" || true)
    python3 "$here/benchtool.py" check --slot "$W/s6/dev$i/$slot" --tree "$W/trees/$s6_img" > "$W/s6/c$i.check.json" || true
  done
  python3 "$here/benchtool.py" expect --image "$W/images/$s6_img" > "$W/expect-s6.json"
  python3 "$here/benchtool.py" proxy-row --dir "$W/s6" --wall "$s6_wall" --expect "$W/expect-s6.json" \
    --log "$W/nginx/access.log" --log-offset "$log_from" --image "$s6_img" --refs "$s6_refs" >> "$results"
  say "  scenario 6: $(tail -n 1 "$results" | python3 -c "import json, sys; r = json.load(sys.stdin); print(r['summary'])")"
  rm -rf "$W/s6"
fi

# ------------------------------------------------------------------ s4c, s3c: no-op and in place, nothing cached
# Last, because it drops every cache (the images' too) and nothing measured after it would be warm
# like the rest. The default chain's device: active v2, standby still holding s3's v3; an update to v3
# is the same no-op as s4, on a standby as a real update finds it right after the mount.
# cold_to_v3 NAME REF INTO REFS: rsync of v3 into a copy of tree INTO, then the default chain's device
# updated to v3 as NAME, each with every cache dropped first
cold_to_v3() {
  local name=$1 refname=$2 into=$3 refs=$4
  rsync_ref "$refname" v3 "$into" --cold
  rm -rf "$W/ref/rs"
  drop_caches
  # shellcheck disable=SC2086
  apply "$name" default "$W/dev-default" v3 v3 v3 "$refs" $default_opts
}
if want 1-4 && [[ -d "$W/dev-default" ]]; then
  if can_drop_caches; then
    say "s4c: the no-op again with every cache dropped (a standby just mounted), and rsync's no-op the same way"
    cold_to_v3 s4c-noop-cold-default rsync-noop-v3-cold v3 \
      "rsync (cold)=rsync-noop-v3-cold,full install=ours:s1-full-default"
    # s3c: s3 again on a cold standby. Two warm updates (v1, then v2; not recorded) bring the device
    # back to s3's start: active v2, standby v1. rsync's reference syncs v3 into a copy of v1, cold too.
    say "s3c: the in-place update again with every cache dropped, and rsync's the same way"
    for step in v1 v2; do
      # shellcheck disable=SC2086
      "$default_java" $default_opts -cp "$jar:$W/classes" Harness apply --state-dir "$W/dev-default" --certs "$W/ca/certs" \
        --image "$base/$step/" --version "$step" > "$W/s3c-prepare-$step.out" 2>&1 \
        || { echo "bench: s3c could not prepare the device (update to $step):" >&2; tail -n 3 "$W/s3c-prepare-$step.out" >&2; exit 1; }
    done
    cold_to_v3 s3c-inplace-cold-default rsync-v1-to-v3-cold v1 \
      "rsync (cold)=rsync-v1-to-v3-cold,in place (warm)=ours:s3-inplace-default"
  else
    say "s4c and s3c skipped: the page cache cannot be dropped here (not root, or a container)"
  fi
fi
rm -rf "$W/dev-default"

# ------------------------------------------------------------------ expectations and verdicts
python3 "$here/benchtool.py" expect --image "$W/images/v2" --since "$W/images/v1" > "$W/expect-v2.json"
python3 "$here/benchtool.py" expect --image "$W/images/v2z" --since "$W/images/v1z" --zstd > "$W/expect-v2z.json"
python3 "$here/benchtool.py" expect --image "$W/images/v3" --since "$W/images/v1" > "$W/expect-v3.json"
python3 "$here/benchtool.py" verdicts --workdir "$W" >> "$results"
python3 "$here/benchtool.py" report --results "$results" --markdown "$W/report.md"
say "done in $(($(date +%s) - t_start)) s; report: $W/report.md"
# the full run also measures the small image (fixed costs show there): the quick profile's run, after
# this run's nginx has stopped
if [[ $profile == full && "${BENCH_SMALL:-1}" == 1 ]]; then
  cleanup
  trap - EXIT
  say "the small image: bench/run.sh --quick"
  "$0" --quick
fi
