#!/bin/sh
# Builds the AppCDS archive the ./otaclient launcher uses: one `otaclient apply` over HTTP of the demo's
# image, the command whose start-up matters most (docs/benchmarks.md, "Start-up"). Trained on apply
# alone, the archive holds what an update needs and little else: trained on the whole demo (gRPC,
# Jetty, the image builder) it was 39 MB, and mapping it cost ~18 MiB of every process's peak RSS.
#
#   cds-training.sh JAVA JAR ARCHIVE LOG
#
# A failed training only leaves the archive out (the launcher then runs without it).
java=$1 jar=$2 archive=$3 log=$4
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
