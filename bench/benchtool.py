#!/usr/bin/env python3
"""Helpers of bench/run.sh that are easier in Python than in shell. Standard library only.

  benchtool.py curl-config --image DIR --base-url URL --out DIR [--since OLD_IMAGE] [--zstd]
      A curl config (stdout) fetching what the client downloads for this image: the first listed
      path of every non-empty content not in OLD_IMAGE (everything without --since); with --zstd,
      the data.zst/ blob where the line names one. Prints a JSON summary to stderr.
  benchtool.py expect --image DIR [--since OLD_IMAGE] [--zstd]
      JSON: unique contents to download, their bytes on the wire, regular lines whose content differs
      from OLD_IMAGE's line for the same path (what an in-place update must write).
  benchtool.py snapshot --tree DIR --out FILE      inode of every regular file (JSON)
  benchtool.py replaced --before FILE --tree DIR   JSON: files kept (same inode) / written (new inode)
  benchtool.py check --slot DIR --tree DIR
      JSON: the slot holds the tree's paths with the same types, sizes, modes, owners and symlink
      targets (contents are verified by the engine's own hashing); /opt/ota/image-meta is ignored.
  benchtool.py status-rows --out FILE --wall S --rss-kb K --cpu S
      Scenario 5: StatusLoad's JSON lines with the figures of its process added (JSON lines).
  benchtool.py proxy-row --dir DIR --wall S --expect FILE --log FILE --log-offset N --image NAME --refs SPEC
      Scenario 6: one JSON line from the four clients' outputs (DIR/c1..c4.json, .time, .check.json),
      the proxy's DIR/proxy.time and the nginx access log from byte N on (what the origin served).
  benchtool.py report --results FILE [--markdown FILE]
      The table of scenarios against their references, as `ours / reference` ratios.
  benchtool.py verdicts --workdir DIR
      The issue's targets as check rows (JSON lines).
"""

import argparse
import json
import os
import stat
import sys
import urllib.parse

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def regulars(image):
    """(path, sha256, size, compress_alg) of every regulars.txt line, in list order."""
    with open(os.path.join(image, "regulars.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            head = line.split(",", 5)  # mode, uid, gid, nlink, sha256, rest
            rest = head[5]
            end = rest.rfind("'")
            path = rest[1:end].replace("'\\''", "'")
            tail = rest[end + 1:].split(",")[1:] + ["", "", ""]
            yield path, head[4], int(tail[0] or -1), tail[2]


def first_of_each_content(image, since):
    old = set()
    if since:
        old = {sha for _, sha, _, _ in regulars(since)}
    seen = set()
    for path, sha, size, alg in regulars(image):
        if sha in seen or sha in old or sha == EMPTY_SHA256:
            continue
        seen.add(sha)
        yield path, sha, size, alg


def remote_name(path, sha, alg, zstd):
    """Image-relative location the client fetches for this content."""
    if zstd and alg:
        return "data.zst/%s.%s" % (sha, alg)
    return "data/" + urllib.parse.quote(path.lstrip("/"), safe="/")


def wire_size(image, path, sha, size, alg, zstd):
    if zstd and alg:
        return os.path.getsize(os.path.join(image, "data.zst", "%s.%s" % (sha, alg)))
    return size


def curl_config(a):
    n = 0
    total = 0
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    for path, sha, size, alg in first_of_each_content(a.image, a.since):
        rel = remote_name(path, sha, alg, a.zstd)
        print("url = " + q(a.base_url.rstrip("/") + "/" + rel))
        print("output = " + q(os.path.join(a.out, path.lstrip("/"))))
        n += 1
        total += wire_size(a.image, path, sha, size, alg, a.zstd)
    print(json.dumps({"files": n, "bytes": total}), file=sys.stderr)


def expect(a):
    n = 0
    wire = 0
    raw = 0
    for path, sha, size, alg in first_of_each_content(a.image, a.since):
        n += 1
        raw += size
        wire += wire_size(a.image, path, sha, size, alg, a.zstd)
    total_files = 0
    total_bytes = 0
    changed_files = 0
    changed_bytes = 0
    old = {p: s for p, s, _, _ in regulars(a.since)} if a.since else {}
    for path, sha, size, _ in regulars(a.image):
        total_files += 1
        total_bytes += max(0, size)
        if old.get(path) != sha:
            changed_files += 1
            changed_bytes += max(0, size)
    print(json.dumps({"download_files": n, "download_raw_bytes": raw, "download_wire_bytes": wire,
                      "regular_files": total_files, "regular_bytes": total_bytes,
                      "changed_path_files": changed_files, "changed_path_bytes": changed_bytes}))


def walk(root):
    for dp, dn, fn in os.walk(root):
        rel = os.path.relpath(dp, root)
        for n in dn + fn:
            p = os.path.normpath(os.path.join(rel, n))
            yield p, os.lstat(os.path.join(root, p))


def snapshot(a):
    snap = {p: st.st_ino for p, st in walk(a.tree) if stat.S_ISREG(st.st_mode)}
    with open(a.out, "w") as f:
        json.dump(snap, f)


def replaced(a):
    with open(a.before) as f:
        before = json.load(f)
    kept = written = 0
    written_bytes = 0
    for p, st in walk(a.tree):
        if not stat.S_ISREG(st.st_mode) or p.startswith("opt/ota/image-meta"):
            continue
        if before.get(p) == st.st_ino:
            kept += 1
        else:
            written += 1
            written_bytes += st.st_size
    print(json.dumps({"kept_files": kept, "written_files": written, "written_bytes": written_bytes}))


def check(a):
    def describe(root):
        out = {}
        for p, st in walk(root):
            if p.startswith("opt/ota/image-meta") or p in ("opt/ota", "opt") and False:
                continue
            t = "l" if stat.S_ISLNK(st.st_mode) else "d" if stat.S_ISDIR(st.st_mode) else "f"
            d = (t, stat.S_IMODE(st.st_mode) if t != "l" else 0, st.st_uid, st.st_gid,
                 st.st_size if t == "f" else 0, os.readlink(os.path.join(root, p)) if t == "l" else "")
            out[p] = d
        return out
    slot, tree = describe(a.slot), describe(a.tree)
    # the client adds /opt/ota/image-meta (and its parents if the image lacks them)
    extra = [p for p in slot if p not in tree and not (p.startswith("opt/ota/image-meta") or p in ("opt", "opt/ota"))]
    missing = [p for p in tree if p not in slot]
    # a persistent file holds the device's content, not the image's: its size may differ
    kept = set(p.lstrip("/") for p in (a.persistent or []))
    same = lambda p: slot[p] == tree[p] or (p in kept and slot[p][:4] == tree[p][:4])
    differ = [p for p in tree if p in slot and not same(p) and not p.startswith("opt/ota/image-meta")]
    print(json.dumps({"ok": not (extra or missing or differ), "entries": len(tree), "extra": len(extra),
                      "missing": len(missing), "differ": len(differ),
                      "examples": (extra[:3] + missing[:3] + [(p, slot[p], tree[p]) for p in differ[:3]])}))


# ------------------------------------------------------------------------------------------ report

def fmt_s(x):
    return "%.2f s" % x


def fmt_mb(x):
    return "%.1f MiB" % (x / 1048576.0)


def status_rows(a):
    for line in open(a.out):
        if line.startswith("{"):
            r = json.loads(line)
            r.update({"process_wall": float(a.wall), "process_rss_kb": int(a.rss_kb), "process_cpu": float(a.cpu)})
            print(json.dumps(r))


def origin_log(log, offset, prefix):
    """What nginx served below PREFIX from byte OFFSET of its access log (format: uri status bytes)."""
    out = {"requests": 0, "bytes": 0, "blob_requests": 0, "blob_bytes": 0, "blob_urls": 0, "blob_urls_twice": 0,
           "other_status": 0}
    seen = {}
    with open(log, "rb") as f:
        f.seek(offset)
        for raw in f:
            parts = raw.decode("utf-8", "replace").split()
            if len(parts) != 3:
                continue
            uri, status, size = parts
            if "://" in uri:  # absolute form, should a proxy send it
                uri = "/" + uri.split("://", 1)[1].split("/", 1)[-1]
            if not uri.startswith(prefix):
                continue
            out["requests"] += 1
            out["bytes"] += int(size)
            if status not in ("200", "206"):
                out["other_status"] += 1
            rel = uri[len(prefix):]
            if rel.startswith("data/") or rel.startswith("data.zst/"):
                out["blob_requests"] += 1
                out["blob_bytes"] += int(size)
                seen[uri] = seen.get(uri, 0) + 1
    out["blob_urls"] = len(seen)
    out["blob_urls_twice"] = sum(1 for n in seen.values() if n > 1)
    return out


def read_time(path):
    """/usr/bin/time -f '%e %M %U %S' output: wall, rss_kb, cpu; None when missing."""
    try:
        wall, rss, user, sys_ = open(path).read().split("\n")[-2].split()
        return float(wall), int(rss), float(user) + float(sys_)
    except (OSError, ValueError, IndexError):
        return None


def multi_row(a):
    """Clients run at once (c1..c4 in a.dir): one row, wall of them all, peak RSS of the largest."""
    rows, times = [], []
    for i in (1, 2, 3, 4):
        lines = [l for l in open(os.path.join(a.dir, "c%d.json" % i)).read().splitlines() if l.startswith("{")]
        rows.append(json.loads(lines[-1]))
        times.append(read_time(os.path.join(a.dir, "c%d.time" % i)))
    first = rows[0]
    print(json.dumps({"kind": "ours", "name": a.name, "settings": "default, 4 at once", "wall": float(a.wall),
                      "rss_kb": max(t[1] for t in times if t), "cpu": sum(t[2] for t in times if t),
                      "engine": max(r["engine_seconds"] for r in rows),
                      "status": "SUCCESS" if all(r["status"] == "SUCCESS" for r in rows) else "FAILED",
                      "files_processed": first["total_regular_files"], "bytes_processed": 0,
                      "download_bytes": sum(r["download_bytes"] for r in rows), "refs": []}))


def proxy_row(a):
    clients = []
    for i in (1, 2, 3, 4):
        c = {"client": i, "status": "NO OUTPUT"}
        try:
            lines = [l for l in open(os.path.join(a.dir, "c%d.json" % i)).read().splitlines() if l.startswith("{")]
            if lines:
                r = json.loads(lines[-1])
                c.update({"status": r["status"], "engine": r["engine_seconds"], "download_bytes": r["download_bytes"],
                          "files_download": r["files_download"], "failure_reason": r.get("failure_reason", "")})
        except OSError:
            pass
        t = read_time(os.path.join(a.dir, "c%d.time" % i))
        if t:
            c.update({"wall": t[0], "rss_kb": t[1], "cpu": t[2]})
        try:
            chk = json.load(open(os.path.join(a.dir, "c%d.check.json" % i)))
            c["tree_ok"] = chk["ok"]
        except (OSError, ValueError):
            c["tree_ok"] = False
        clients.append(c)
    exp = json.load(open(a.expect))
    origin = origin_log(a.log, int(a.log_offset), "/%s/" % a.image)
    proxy = read_time(os.path.join(a.dir, "proxy.time"))
    served = sum(c.get("download_bytes", 0) for c in clients)
    image_blob = exp["download_wire_bytes"]
    r = {"kind": "proxy", "name": "s6-proxy-4-clients", "image": a.image, "wall": float(a.wall),
         "clients": clients, "ok": all(c["status"] == "SUCCESS" and c["tree_ok"] for c in clients),
         "origin_requests": origin["requests"], "origin_bytes": origin["bytes"],
         "origin_blob_requests": origin["blob_requests"], "origin_blob_bytes": origin["blob_bytes"],
         "origin_blob_urls_twice": origin["blob_urls_twice"], "origin_other_status": origin["other_status"],
         "image_blob_bytes": image_blob, "image_blobs": exp["download_files"],
         "origin_ratio": origin["blob_bytes"] / image_blob if image_blob else float("inf"),
         "served_bytes": served, "served_ratio": served / origin["blob_bytes"] if origin["blob_bytes"] else 0.0,
         "proxy_rss_kb": proxy[1] if proxy else 0, "proxy_cpu": proxy[2] if proxy else 0.0,
         "refs": [x.split("=", 1)[::-1] for x in a.refs.split(",") if x]}
    r["summary"] = ("4 clients in %.1f s (%s); origin served %.1f MiB of blobs in %d requests for %.1f MiB of image"
                    " blobs (%.2fx), the proxy served %.1f MiB to the clients" % (
                        r["wall"], "all exact trees" if r["ok"] else "FAILED: %s" % [
                            (c["client"], c["status"], c.get("failure_reason", "")) for c in clients],
                        origin["blob_bytes"] / 1048576, origin["blob_requests"], image_blob / 1048576,
                        r["origin_ratio"], served / 1048576))
    print(json.dumps(r))


def ours_by_name(rows):
    """Our scenarios by name, in run order. A scenario run more than once (BENCH_OUR_RUNS) is its run of
    median wall time, with every run's wall in "runs", the highest peak RSS of them all, and tree_ok only
    when every run left the exact tree."""
    by = {}
    for r in rows:
        if r.get("kind") == "ours":
            by.setdefault(r["name"], []).append(r)
    out = {}
    for name, rs in by.items():
        m = dict(sorted(rs, key=lambda r: r["wall"])[(len(rs) - 1) // 2])
        m["runs"] = [r["wall"] for r in rs]
        m["rss_kb"] = max(r.get("rss_kb", 0) for r in rs)
        if "tree_ok" in m:
            # every run must have left the exact tree; the first that did not is the one shown
            bad = [r for r in rs if not r["tree_ok"]]
            m["tree_ok"] = not bad
            m["check"] = bad[0]["check"] if bad else m["check"]
        out[name] = m
    return out


def report(a):
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    ref = {r["name"]: r for r in rows if r.get("kind") == "ref"}
    ours = list(ours_by_name(rows).values())
    meta = next((r for r in rows if r.get("kind") == "meta"), {})
    lines = []
    p = lines.append
    p("workload: %s" % meta.get("workload", "?"))
    p("")
    p("| scenario | settings | wall | engine | files | downloaded | files/s | MB/s | peak RSS | ours / reference |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for r in ours:
        ratios = []
        for refname, label in r.get("refs", []):
            if refname in ref and ref[refname]["wall"] > 0:
                ratios.append("%.2f× %s (%s)" % (r["wall"] / ref[refname]["wall"], label, fmt_s(ref[refname]["wall"])))
            elif refname.startswith("ours:"):
                other = next((o for o in ours if o["name"] == refname[5:]), None)
                if other:
                    ratios.append("%.2f× %s (%s)" % (r["wall"] / other["wall"], label, fmt_s(other["wall"])))
        files = r.get("files_processed", 0)
        mbps = r.get("bytes_processed", 0) / 1e6 / r["wall"] if r["wall"] else 0
        runs = r.get("runs", [])
        wall = fmt_s(r["wall"]) + (" (median of %s)" % ", ".join("%.2f" % w for w in runs) if len(runs) > 1 else "")
        p("| %s | %s | %s | %s | %d | %s | %.0f | %.0f | %s | %s |" % (
            r["name"], r.get("settings", ""), wall, fmt_s(r.get("engine", 0)), files,
            fmt_mb(r.get("download_bytes", 0)), files / r["wall"] if r["wall"] else 0, mbps,
            fmt_mb(r.get("rss_kb", 0) * 1024), "; ".join(ratios) or "-"))
    if ref:
        p("")
        p("| reference | wall | files | bytes | files/s | MB/s | peak RSS |")
        p("|---|---|---|---|---|---|---|")
    for name, r in ref.items():
        files = r.get("files", 0)
        p("| %s | %s | %d | %s | %.0f | %.0f | %s |" % (
            name, fmt_s(r["wall"]), files, fmt_mb(r.get("bytes", 0)), files / r["wall"] if r["wall"] else 0,
            r.get("bytes", 0) / 1e6 / r["wall"] if r["wall"] else 0, fmt_mb(r.get("rss_kb", 0) * 1024)))
    status = [r for r in rows if r.get("kind") == "status"]
    if status:
        p("")
        p("Scenario 5, Status on the main ECU of an 8-ECU tree (one child hung), N callers back to back"
          " (async unless the name ends in -blocking;"
          " %.0f s per row; process: %.1f s, peak RSS %s, one JVM for the tree and the callers):" % (
              status[0]["seconds"], status[0].get("process_wall", 0), fmt_mb(status[0].get("process_rss_kb", 0) * 1024)))
        p("")
        p("| scenario | tree | callers | calls/s | p50 | p90 | p99 | p99.9 | max | errors | answers missing an ECU |"
          " answers with main UPDATING | main's updates |")
        p("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in status:
            p("| %s | %s | %d | %.0f | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %d | %d | %s | %s |" % (
                r["name"], r["phase"], r["callers"], r["calls_per_s"], r["p50_ms"], r["p90_ms"], r["p99_ms"],
                r["p999_ms"], r["max_ms"], r["errors"], r["short_answers"],
                "%.0f %%" % (100.0 * r["main_busy_answers"] / r["calls"]) if r["calls"] else "-",
                "%d started, %d succeeded, %d failed" % (r["updates_started"], r["updates_succeeded"],
                                                        r["updates_failed"]) if "updates_started" in r else "-"))
    proxies = [r for r in rows if r.get("kind") == "proxy"]
    if proxies:
        p("")
        p("Scenario 6, four clients updating at once through one ota_proxy (empty cache at start):")
        p("")
        p("| scenario | image | wall (all 4) | slowest client | origin blob bytes | image blob bytes | origin / image |"
          " origin requests | served to clients | proxy peak RSS | ours / reference |")
        p("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in proxies:
            ratios = []
            for refname, label in r.get("refs", []):
                other = next((o for o in ours if "ours:" + o["name"] == refname), None)
                if other:
                    ratios.append("%.2f× %s (%s)" % (r["wall"] / other["wall"], label, fmt_s(other["wall"])))
            slowest = max((c.get("wall", 0) for c in r["clients"]), default=0)
            p("| %s | %s | %s | %s | %s | %s | %.2f× | %d | %s | %s | %s |" % (
                r["name"], r["image"], fmt_s(r["wall"]), fmt_s(slowest), fmt_mb(r["origin_blob_bytes"]),
                fmt_mb(r["image_blob_bytes"]), r["origin_ratio"], r["origin_requests"], fmt_mb(r["served_bytes"]),
                fmt_mb(r["proxy_rss_kb"] * 1024), "; ".join(ratios) or "-"))
    checks = [r for r in rows if r.get("kind") == "check"]
    if checks:
        p("")
        p("| check | expected | measured | verdict |")
        p("|---|---|---|---|")
        for c in checks:
            p("| %s | %s | %s | %s |" % (c["name"], c["expected"], c["measured"], c["verdict"]))
    text = "\n".join(lines)
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")


def verdicts(a):
    """The issue's targets as check rows (JSON lines), from results.jsonl and the expect-*.json files."""
    W = a.workdir
    rows = [json.loads(l) for l in open(os.path.join(W, "results.jsonl")) if l.strip()]
    ref = {r["name"]: r for r in rows if r.get("kind") == "ref"}
    ours = ours_by_name(rows)
    load = lambda n: json.load(open(os.path.join(W, n)))
    out = []

    def row(name, expected, measured, ok):
        out.append({"kind": "check", "name": name, "expected": expected, "measured": measured,
                    "verdict": "met" if ok else "MISSED"})

    def ratio(a_, b_):
        return a_ / b_ if b_ else float("inf")

    for settings in ("default", "low"):
        s1, s2, s3, s4 = (ours.get("%s-%s" % (n, settings)) for n in ("s1-full", "s2-delta", "s3-inplace", "s4-noop"))
        if not s1:
            continue
        r = ratio(s1["wall"], ref["curl-v1"]["wall"])
        row("full install <= 1.3x parallel curl (%s)" % settings, "<= 1.30x", "%.2fx" % r, r <= 1.3)
        r = ratio(s2["wall"], ref["rsync-v1-to-v2"]["wall"])
        row("delta <= 1.0x rsync -a --delete (%s)" % settings, "<= 1.00x", "%.2fx (%.2fx rsync --checksum)" % (
            r, ratio(s2["wall"], ref["rsync-v1-to-v2-checksum"]["wall"])), r <= 1.0)
        r = ratio(s4["wall"], s1["wall"])
        row("no-op <= 5 %% of the full install (%s)" % settings, "<= 5 %", "%.1f %%" % (100 * r), r <= 0.05)
        row("no-op downloads nothing (%s)" % settings, "0 bytes", "%d bytes (%d files)" % (
            s4["download_bytes"], s4["files_download"]), s4["download_bytes"] == 0)
        rep = load("s4-noop-%s.replaced.json" % settings)
        row("no-op writes nothing (%s)" % settings, "0 files written",
            "%d files written, %.1f MiB written by the process" % (rep["written_files"], s4["write_bytes"] / 1048576),
            rep["written_files"] == 0)
        rep = load("s3-inplace-%s.replaced.json" % settings)
        exp = load("expect-v3.json")
        row("in place writes only the changed files (%s)" % settings,
            "%d changed paths (v1 -> v3)" % exp["changed_path_files"],
            "%d files written, %d kept" % (rep["written_files"], rep["kept_files"]),
            rep["written_files"] <= exp["changed_path_files"])
        for s in (s1, s2, s3, s4):
            if not s["tree_ok"]:
                row("%s leaves the exact tree" % s["name"], "ok", json.dumps(s["check"]), False)
        peak = max(s["rss_kb"] for s in (s1, s2, s3, s4)) / 1024
        # issue 15: the default launcher within 96 MiB on the small image (quick), 128 MiB at 60 000 files
        small = json.loads(open(os.path.join(W, "results.jsonl")).readline()).get("profile") == "quick"
        limit = (96 if small else 128) if settings == "default" else 128
        row("peak RSS, scenarios 1-4 (%s)" % settings, "<= %d MiB" % limit, "%.0f MiB" % peak, peak <= limit)
    for name, exp_file in (("s2-delta-default", "expect-v2.json"), ("s2-delta-zstd", "expect-v2z.json")):
        if name in ours:
            e = load(exp_file)
            got = ours[name]["download_bytes"]
            row("%s downloads only the changed unique blobs" % name, "%.1f MiB (%d blobs)" % (
                e["download_wire_bytes"] / 1048576, e["download_files"]),
                "%.1f MiB (%d files)" % (got / 1048576, ours[name]["files_download"]),
                abs(got - e["download_wire_bytes"]) <= max(65536, 0.01 * e["download_wire_bytes"]))
    cap = ours.get("s7-cap")
    if cap and cap.get("cap_window_seconds"):
        achieved = cap["cap_window_bytes"] / cap["cap_window_seconds"]
        r = achieved / cap["cap"]
        row("download cap accurate within 5 % over >= 10 s", "0.95-1.05 of %.1f MiB/s, >= 10 s" % (cap["cap"] / 1048576),
            "%.3f (%.2f MiB/s over %.1f s, %.1f MiB)" % (r, achieved / 1048576, cap["cap_window_seconds"],
                                                       cap["cap_window_bytes"] / 1048576),
            0.95 <= r <= 1.05 and cap["cap_window_seconds"] >= 10)
        if not cap["tree_ok"]:
            row("s7-cap leaves the exact tree", "ok", json.dumps(cap["check"]), False)
    # OTA image v1 (BENCH_ONLY v1): the same trees as the legacy scenarios 1-2
    for name in ("s1-full-v1f", "s2-delta-v1f"):
        if name in ours and not ours[name]["tree_ok"]:
            row("%s leaves the exact tree" % name, "ok", json.dumps(ours[name]["check"]), False)
    if "s1-full-v1f" in ours and "s1-full-default" in ours:
        r = ratio(ours["s1-full-v1f"]["wall"], ours["s1-full-default"]["wall"])
        row("v1 full install <= 1.3x the legacy full install (our own bar)", "<= 1.30x", "%.2fx" % r, r <= 1.3)
    if "s2-delta-v1f" in ours and "s2-delta-default" in ours:
        r = ratio(ours["s2-delta-v1f"]["wall"], ours["s2-delta-default"]["wall"])
        row("v1 delta <= 1.3x the legacy delta (our own bar)", "<= 1.30x", "%.2fx" % r, r <= 1.3)
    if "s2-delta-v1f" in ours and "s1-full-v1f" in ours:
        d, f = ours["s2-delta-v1f"]["download_bytes"], ours["s1-full-v1f"]["download_bytes"]
        row("v1 delta downloads a fraction of the v1 full install", "< 25 %% of %.1f MiB" % (f / 1048576),
            "%.1f MiB (%.1f %%)" % (d / 1048576, 100.0 * ratio(d, f)), d < 0.25 * f)
    status = [r for r in rows if r.get("kind") == "status"]
    # the verdict is the async callers' (StatusLoad's default); blocking rows, run as a control, only
    # decide it in a run that has no async rows (and in results from before round eighteen, which have
    # no callers_mode)
    if any(r.get("callers_mode") == "async" for r in status):
        status = [r for r in status if r.get("callers_mode") == "async"]
    for phase in ("idle", "updating"):
        rs = [r for r in status if r["phase"] == phase]
        if not rs:
            continue
        what = "tree idle" if phase == "idle" else "main updating"
        worst = max(r["p99_ms"] for r in rs)
        bad = sum(r["errors"] + r["short_answers"] for r in rs)
        measured = ", ".join("%.1f ms (N=%d)" % (r["p99_ms"], r["callers"]) for r in rs)
        if bad:
            measured += "; %d failed or incomplete answers" % bad
        if phase == "updating":
            busy = sum(r["main_busy_answers"] for r in rs) / max(1, sum(r["calls"] for r in rs))
            measured += "; main UPDATING in %.0f %% of the answers" % (100 * busy)
        row("status p99 <= 20 ms with a hung child (%s)" % what, "<= 20 ms at every N", measured,
            worst <= 20 and not bad)
        if phase == "updating":
            last = rs[-1]
            if last.get("updates_failed", 0) or not last.get("updates_started", 0):
                row("s5: main's updates succeed while Status is under load", "no failed update",
                    "%d started, %d succeeded, %d failed: %s" % (last.get("updates_started", 0),
                        last.get("updates_succeeded", 0), last.get("updates_failed", 0),
                        last.get("last_update_failure", "")), False)
    for r in (x for x in rows if x.get("kind") == "proxy"):
        row("s6: the origin serves each blob once (4 clients through ota_proxy)", "~1.00x the image's blob bytes",
            "%.2fx (%.1f MiB for %.1f MiB; %d blob URLs fetched more than once)" % (
                r["origin_ratio"], r["origin_blob_bytes"] / 1048576, r["image_blob_bytes"] / 1048576,
                r["origin_blob_urls_twice"]), r["origin_ratio"] <= 1.05)
        if not r["ok"]:
            row("s6: every client leaves the exact tree", "4 x SUCCESS and exact tree",
                json.dumps([(c["client"], c["status"], c["tree_ok"]) for c in r["clients"]]), False)
    for l in out:
        print(json.dumps(l))


def main(argv):
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("curl-config")
    c.add_argument("--image", required=True)
    c.add_argument("--base-url", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--since")
    c.add_argument("--zstd", action="store_true")
    e = sub.add_parser("expect")
    e.add_argument("--image", required=True)
    e.add_argument("--since")
    e.add_argument("--zstd", action="store_true")
    s = sub.add_parser("snapshot")
    s.add_argument("--tree", required=True)
    s.add_argument("--out", required=True)
    r = sub.add_parser("replaced")
    r.add_argument("--before", required=True)
    r.add_argument("--tree", required=True)
    k = sub.add_parser("check")
    k.add_argument("--slot", required=True)
    k.add_argument("--tree", required=True)
    k.add_argument("--persistent", action="append", help="a persistent path: its size may differ from the tree's")
    rp = sub.add_parser("report")
    rp.add_argument("--results", required=True)
    rp.add_argument("--markdown")
    v = sub.add_parser("verdicts")
    v.add_argument("--workdir", required=True)
    st = sub.add_parser("status-rows")
    st.add_argument("--out", required=True)
    st.add_argument("--wall", required=True)
    st.add_argument("--rss-kb", required=True)
    st.add_argument("--cpu", required=True)
    px = sub.add_parser("proxy-row")
    px.add_argument("--dir", required=True)
    px.add_argument("--wall", required=True)
    px.add_argument("--expect", required=True)
    px.add_argument("--log", required=True)
    px.add_argument("--log-offset", required=True)
    px.add_argument("--image", required=True)
    px.add_argument("--refs", default="")
    mr = sub.add_parser("multi-row")
    mr.add_argument("--dir", required=True)
    mr.add_argument("--wall", required=True)
    mr.add_argument("--name", required=True)
    a = ap.parse_args(argv)
    {"curl-config": curl_config, "expect": expect, "snapshot": snapshot, "replaced": replaced,
     "check": check, "report": report, "verdicts": verdicts, "status-rows": status_rows,
     "proxy-row": proxy_row, "multi-row": multi_row}[a.cmd](a)


if __name__ == "__main__":
    main(sys.argv[1:])
