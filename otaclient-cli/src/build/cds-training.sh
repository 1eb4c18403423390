#!/bin/sh
# Builds the AppCDS archive the ./otaclient launcher uses: one `otaclient apply` over HTTP of the demo's
# image, the command whose start-up matters most (docs/benchmarks.md, "Start-up"). Trained on apply
# alone, the archive holds what an update needs and little else: trained on the whole demo (gRPC,
# Jetty, the image builder) it was 39 MB, and mapping it cost ~18 MiB of every process's peak RSS.
#
# When the machine also has a JDK 25 or later (JAVA25: its java, or "auto": the newest JDK under
# /usr/lib/jvm whose release file says 25 or later; "none": no search), the same apply trains an AOT
# cache for that JDK (JEP 514: classes loaded and linked, and method profiles), written to AOT_CACHE, and
# AOT_CACHE-java names that java; the launcher uses it when OTACLIENT_JAVA names that java
# (docs/benchmarks.md, round seventeen: updates up to 20 % faster, a higher peak RSS at 60 000 files). An AOT
# cache belongs to the JVM build that made it, as the AppCDS archive does, so each is made here by the
# JVM that uses it.
#
#   cds-training.sh JAVA JAR ARCHIVE LOG [JAVA25|auto|none AOT_CACHE]
#
# A failed training only leaves the archive or the cache out (the launcher then runs without it).
java=$1 jar=$2 archive=$3 log=$4 java25=${5:-none} aot=${6:-}
work=$(mktemp -d) || exit 0
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "AppCDS training failed ($1), no archive (see $log)" >&2
  rm -f "$archive"
  exit 0
}
rm -f "$archive"
[ -n "$aot" ] && rm -f "$aot" "$aot-java"
: > "$log"
"$java" -jar "$jar" demo --workdir "$work/demo" >> "$log" 2>&1 || fail "demo"
"$java" -jar "$jar" image serve "$work/demo/www" --port 0 > "$work/serve.out" 2>> "$log" &
server=$!
# the server prints its address once it listens (an upper bound, not a synchronisation guess)
i=0
while ! grep -q '^serving ' "$work/serve.out" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -gt 300 ] && fail "image serve did not start"
  kill -0 "$server" 2>/dev/null || fail "image serve ended"
  sleep 0.1
done
url=$(sed -n 's/^serving .* at \(http[^ ]*\) .*/\1/p' "$work/serve.out")
# the launcher's default options (its defaults= line), so the archive matches the processes that will
# map it; read, not copied, so that a change of the launcher cannot leave the training behind
launcher=$(dirname "$0")/../../../otaclient
defaults=$(sed -n 's/^defaults="\([^"]*\)"$/\1/p' "$launcher" | head -n 1)
[ -n "$defaults" ] || fail "no defaults= line in $launcher"
# as the launcher: the priority options (last) only for root, whom the JVM does not warn
[ "$(id -u)" = 0 ] || defaults=${defaults%% -XX:ThreadPriorityPolicy=1*}
# shellcheck disable=SC2086 # the options are words
"$java" $defaults -Xlog:cds=off -Xlog:cds+dynamic=off \
  -XX:ArchiveClassesAtExit="$archive" -jar "$jar" apply --url "${url}v1/" --certs "$work/demo/certs" \
  --state-dir "$work/state" --image-version 1 --progress-every 0 >> "$log" 2>&1 || fail "apply"
[ -s "$archive" ] || fail "no archive written"

# newest_jdk25: the java of the newest JDK under /usr/lib/jvm at feature release 25 or later, if any
newest_jdk25() {
  best= best_version=0
  for release in /usr/lib/jvm/*/release; do
    [ -f "$release" ] || continue
    version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    candidate=$(dirname "$release")/bin/java
    if [ -n "$version" ] && [ "$version" -ge 25 ] && [ "$version" -gt "$best_version" ] && [ -x "$candidate" ]; then
      best=$candidate best_version=$version
    fi
  done
  echo "$best"
}
[ "$java25" = auto ] && java25=$(newest_jdk25)
if [ -n "$aot" ] && [ -n "$java25" ] && [ "$java25" != none ]; then
  # the cache is made at the exit of the training run; a JVM that could not make one leaves no file
  # shellcheck disable=SC2086
  (cd "$work" && "$java25" $defaults -XX:AOTCacheOutput="$aot" -jar "$jar" apply --url "${url}v1/" \
    --certs "$work/demo/certs" --state-dir "$work/state25" --image-version 1 --progress-every 0) >> "$log" 2>&1 \
    || { echo "AOT cache training with $java25 failed, no cache (see $log)" >&2; rm -f "$aot"; exit 0; }
  # a cache the JVM would not map is no cache: check it as the launcher will use it
  # shellcheck disable=SC2086
  if [ -s "$aot" ] && "$java25" $defaults -XX:AOTCache="$aot" -XX:AOTMode=on -jar "$jar" --version >> "$log" 2>&1; then
    echo "$java25" > "$aot-java"
  else
    echo "AOT cache made by $java25 does not map, no cache (see $log)" >&2
    rm -f "$aot"
  fi
fi
