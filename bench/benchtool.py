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
  benchtool.py report --results FILE [--markdown FILE]
      The table of scenarios against their references, as `ours / reference` ratios.
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
    differ = [p for p in tree if p in slot and slot[p] != tree[p] and not p.startswith("opt/ota/image-meta")]
    print(json.dumps({"ok": not (extra or missing or differ), "entries": len(tree), "extra": len(extra),
                      "missing": len(missing), "differ": len(differ),
                      "examples": (extra[:3] + missing[:3] + [(p, slot[p], tree[p]) for p in differ[:3]])}))


# ------------------------------------------------------------------------------------------ report

def fmt_s(x):
    return "%.2f s" % x


def fmt_mb(x):
    return "%.1f MiB" % (x / 1048576.0)


def report(a):
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    ref = {r["name"]: r for r in rows if r.get("kind") == "ref"}
    ours = [r for r in rows if r.get("kind") == "ours"]
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
        p("| %s | %s | %s | %s | %d | %s | %.0f | %.0f | %s | %s |" % (
            r["name"], r.get("settings", ""), fmt_s(r["wall"]), fmt_s(r.get("engine", 0)), files,
            fmt_mb(r.get("download_bytes", 0)), files / r["wall"] if r["wall"] else 0, mbps,
            fmt_mb(r.get("rss_kb", 0) * 1024), "; ".join(ratios) or "-"))
    p("")
    p("| reference | wall | files | bytes | files/s | MB/s | peak RSS |")
    p("|---|---|---|---|---|---|---|")
    for name, r in ref.items():
        files = r.get("files", 0)
        p("| %s | %s | %d | %s | %.0f | %.0f | %s |" % (
            name, fmt_s(r["wall"]), files, fmt_mb(r.get("bytes", 0)), files / r["wall"] if r["wall"] else 0,
            r.get("bytes", 0) / 1e6 / r["wall"] if r["wall"] else 0, fmt_mb(r.get("rss_kb", 0) * 1024)))
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
    ours = {r["name"]: r for r in rows if r.get("kind") == "ours"}
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
        row("no-op < 10 %% of the full install (%s)" % settings, "< 10 %", "%.1f %%" % (100 * r), r < 0.10)
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
        limit = 256 if settings == "default" else 128
        row("peak RSS, scenarios 1-4 (%s)" % settings, "<= %d MiB" % limit, "%.0f MiB" % peak, peak <= limit)
    for name, exp_file in (("s2-delta-default", "expect-v2.json"), ("s2-delta-zstd", "expect-v2z.json")):
        if name in ours:
            e = load(exp_file)
            got = ours[name]["download_bytes"]
            row("%s downloads only the changed unique blobs" % name, "%.1f MiB (%d blobs)" % (
                e["download_wire_bytes"] / 1048576, e["download_files"]),
                "%.1f MiB (%d files)" % (got / 1048576, ours[name]["files_download"]),
                abs(got - e["download_wire_bytes"]) <= max(65536, 0.01 * e["download_wire_bytes"]))
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
    rp = sub.add_parser("report")
    rp.add_argument("--results", required=True)
    rp.add_argument("--markdown")
    v = sub.add_parser("verdicts")
    v.add_argument("--workdir", required=True)
    a = ap.parse_args(argv)
    {"curl-config": curl_config, "expect": expect, "snapshot": snapshot, "replaced": replaced,
     "check": check, "report": report, "verdicts": verdicts}[a.cmd](a)


if __name__ == "__main__":
    main(sys.argv[1:])
