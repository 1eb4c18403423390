#!/usr/bin/env python3
"""Deterministic, Ubuntu-like root file systems for the benchmarks.

Two commands:

  gen_rootfs.py create --out DIR --seed N --files F --bytes B
      A fresh tree: F regular files (hard links included) totalling about B bytes, plus directories
      and symlinks. Areas imitate a real Ubuntu rootfs: many small text files (docs, headers, Python
      sources, dpkg info), mid-size binaries (libraries, executables), incompressible small files
      (icons, .gz), a few large blobs (initrd, firmware, an application bundle), deep trees, symlinks
      (relative, absolute, to directories, dangling), hard-link groups and duplicated contents.

  gen_rootfs.py mutate --tree DIR --seed N --fraction 0.10
      Turns a copy of a version into the next version, in place: modifies files (new content, same
      inode, so hard-link groups stay groups), adds new files and directories, moves files (same
      content at a new path), deletes files and whole directories, retargets symlinks and changes
      a few modes. Modified plus new bytes are about FRACTION of the tree's bytes.

Everything is a pure function of the seed (and, for mutate, of the input tree's sorted listing),
so two runs produce byte-identical trees. Contents are slices of three seeded pools (text-like,
binary-like, random) with a unique tag per file, which keeps generation fast and gives zstd the
compression ratios of real files (text ~3x, binaries ~2x, random 1x). Every regular file and
symlink gets a fixed mtime (T_BASE for the base version, a later one per mutate seed), so rsync's
size+mtime check sees exactly the files that changed.

The summary printed at the end (JSON on stdout) is what run.sh records.
"""

import argparse
import hashlib
import json
import math
import os
import random
import sys

T_BASE = 1_700_000_000  # fixed mtime of a base tree's files (Nov 2023)
MiB = 1 << 20

# (area, share of regular files, size median bytes, log-sigma, content kind, file mode, max extra depth)
# Kinds: "text" (~3x zstd), "bin" (~2x), "rand" (incompressible).
AREAS = [
    ("usr/share/doc", 0.14, 1_800, 1.2, "text", 0o644, 2),
    ("usr/src/linux-headers/include", 0.20, 3_000, 1.1, "text", 0o644, 9),
    ("usr/lib/python3/dist-packages", 0.18, 4_000, 1.3, "text", 0o644, 11),
    ("var/lib/dpkg/info", 0.08, 700, 1.2, "text", 0o644, 0),
    ("etc", 0.04, 900, 1.2, "text", 0o644, 3),
    ("usr/share/locale", 0.06, 9_000, 1.0, "bin", 0o644, 3),
    ("usr/share/icons", 0.10, 2_500, 1.1, "rand", 0o644, 4),
    ("usr/lib/x86_64-linux-gnu", 0.10, 60_000, 1.5, "bin", 0o644, 3),
    ("usr/bin", 0.05, 40_000, 1.4, "bin", 0o755, 0),
    ("usr/sbin", 0.015, 40_000, 1.3, "bin", 0o755, 0),
    ("lib/firmware", 0.025, 120_000, 1.4, "rand", 0o644, 2),
    ("usr/share/man", 0.03, 2_500, 0.9, "rand", 0o644, 1),  # gzip'd man pages: incompressible
    ("home/user", 0.005, 3_000, 1.5, "text", 0o644, 4),
]
# Large files (kind, share of the large-file bytes, path). About 45 % of all bytes, as on a real
# image where a kernel, an initrd, firmware packs and one or two application bundles dominate.
LARGE = [
    ("rand", 0.08, "boot/initrd.img-6.5.0-generic"),
    ("bin", 0.04, "boot/vmlinuz-6.5.0-generic"),
    ("bin", 0.16, "opt/app/lib/libapp_runtime.so"),
    ("rand", 0.22, "opt/app/models/perception.onnx"),
    ("bin", 0.10, "usr/lib/x86_64-linux-gnu/libLLVM-15.so.1"),
    ("rand", 0.12, "lib/firmware/nvidia/gsp.bin"),
    ("text", 0.06, "var/lib/apt/lists/archive.ubuntu.com_Packages"),
    ("bin", 0.22, "opt/app/data/map_tiles.db"),
]
LARGE_SHARE = 0.45


class Pools:
    """Seeded content pools; a file is a tag plus slices of one pool."""

    def __init__(self, seed):
        rng = random.Random(seed)
        self.rand = hashlib.shake_128(b"rand-pool-%d" % seed).digest(64 * MiB)
        vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 11)))
                 for _ in range(3000)]
        vocab += ["{", "}", "(", ")", ";", "=", "return", "if", "else", "#include", "static", "int",
                  "def", "self", "import", "the", "of", "and", "to", "a", "is", "0", "1", "NULL"]
        # Zipf-like word frequencies, as in natural text and source code
        words = rng.choices(vocab, weights=[1.0 / (i + 1) for i in range(len(vocab))], k=1_600_000)
        text = bytearray()
        for i in range(0, len(words), 12):
            text += (" ".join(words[i:i + 12]) + ("\n" if rng.random() < 0.7 else " ")).encode()
        self.text = bytes(text)
        # binary-like: random runs between zero runs and repeated patterns, roughly 2x under zstd
        out = bytearray()
        pos = 0
        while len(out) < 16 * MiB:
            n = rng.randint(64, 1024)
            out += self.rand[pos:pos + n]
            pos = (pos + n) % (len(self.rand) - 2048)
            kind = rng.random()
            if kind < 0.5:
                out += bytes(rng.randint(16, 1200))
            else:
                pat = self.rand[pos:pos + rng.randint(2, 16)]
                out += pat * rng.randint(4, 60)
        self.bin = bytes(out)

    def content(self, rng, kind, size, tag):
        """`size` bytes of `kind`, starting with a unique tag so no two generated files collide."""
        pool = self.text if kind == "text" else self.bin if kind == "bin" else self.rand
        head = (b"# " + tag.encode() + b"\n") if kind == "text" else hashlib.sha256(tag.encode()).digest()
        if size <= len(head):
            return head[:size]
        parts = [head]
        left = size - len(head)
        chunk = 1 * MiB
        while left > 0:
            n = min(left, chunk)
            off = rng.randrange(0, len(pool) - n)
            parts.append(pool[off:off + n])
            left -= n
        return b"".join(parts)


def lognormal(rng, median, sigma, cap):
    return int(min(cap, rng.lognormvariate(math.log(median), sigma)))


def name_for(rng, area, kind, i):
    stem = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10)))
    ext = {"text": rng.choice([".h", ".py", ".txt", ".conf", "", ".list", ".md5sums", ".c"]),
           "bin": rng.choice([".so.1", ".so.0.3.1", "", ".mo", ".a", ".ko"]),
           "rand": rng.choice([".png", ".gz", ".bin", ".svgz", ".xz"])}[kind]
    name = "%s-%d%s" % (stem, i, ext)
    r = rng.random()
    if r < 0.002:
        name = "with space %s" % name  # real trees have a few names that need quoting
    elif r < 0.003:
        name = "it's,%s" % name  # quote and comma: the list format escapes these
    return name


def write_file(path, data, mode, uid, gid, mtime):
    with open(path, "wb") as f:
        f.write(data)
    os.chown(path, uid, gid)
    os.chmod(path, mode)
    os.utime(path, (mtime, mtime))


def create(args):
    rng = random.Random(args.seed)
    pools = Pools(args.seed)
    root = os.path.abspath(args.out)
    os.makedirs(root, exist_ok=False)
    files_target = args.files
    bytes_target = args.bytes
    small_budget = int(bytes_target * (1 - LARGE_SHARE))

    dirs = {}  # area -> list of directories created in it

    def make_dir(rel):
        p = os.path.join(root, rel)
        if not os.path.isdir(p):
            os.makedirs(p)
        return rel

    # Ubuntu's merged-/usr top-level symlinks and a few fixed directories
    for d in ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "var/log", "var/cache", "tmp", "root",
              "opt/ota/client", "boot/grub", "srv", "mnt", "media", "proc", "sys", "dev", "run"]:
        make_dir(d)
    for link, target in [("bin", "usr/bin"), ("sbin", "usr/sbin"), ("lib64", "usr/lib64")]:
        os.symlink(target, os.path.join(root, link))
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    os.chmod(os.path.join(root, "root"), 0o700)

    # Directory trees per area: each new directory hangs below a random existing one of its area, up
    # to the area's depth, which yields the long thin chains of real package trees.
    total_share = sum(a[1] for a in AREAS)
    n_dirs = max(50, files_target // 9)
    for area, share, _m, _s, _k, _mode, depth in AREAS:
        base = make_dir(area)
        dirs[area] = [base]
        want = int(n_dirs * share / total_share) if depth > 0 else 0
        depth_of = {base: 0}
        for i in range(want):
            parent = rng.choice(dirs[area][-40:]) if rng.random() < 0.6 else rng.choice(dirs[area])
            if depth_of[parent] >= depth:
                parent = base
            d = os.path.join(parent, "%s%d" % (rng.choice(["pkg", "lib", "sub", "x", "mod", "core", "v"]), i))
            make_dir(d)
            depth_of[d] = depth_of[parent] + 1
            dirs[area].append(d)
    if "home/user" in dirs:
        for d in dirs["home/user"]:
            os.chown(os.path.join(root, d), 1000, 1000)

    # Sizes first, so the small files can be scaled to their byte budget before anything is written.
    plan = []  # (area index, size)
    for ai, (area, share, median, sigma, kind, mode, depth) in enumerate(AREAS):
        n = int(files_target * share / total_share)
        for _ in range(n):
            size = 0 if rng.random() < 0.03 else lognormal(rng, median, sigma, 24 * MiB)
            plan.append((ai, size))
    rng.shuffle(plan)
    scale = small_budget / max(1, sum(s for _, s in plan))
    plan = [(ai, int(s * scale)) for ai, s in plan]

    regulars = []  # relative paths of written regular files (for links and duplicates)
    by_dir = {}  # directory -> regular files in it (targets for .so-style sibling symlinks)
    dup_sources = []
    count = 0
    written = 0
    for i, (ai, size) in enumerate(plan):
        area, _share, _median, _sigma, kind, mode, _depth = AREAS[ai]
        d = rng.choice(dirs[area])
        rel = os.path.join(d, name_for(rng, area, kind, i))
        r = rng.random()
        if r < 0.012 and regulars:
            # hard-link group member: another name for an existing inode, in a nearby directory
            src = rng.choice(regulars[-200:])
            os.link(os.path.join(root, src), os.path.join(root, rel))
            count += 1
            continue
        if r < 0.05 and dup_sources:
            # duplicated content (same licence text, same .so in two packages): another inode
            src = rng.choice(dup_sources)
            with open(os.path.join(root, src), "rb") as f:
                data = f.read()
        else:
            data = pools.content(rng, kind, size, rel)
        uid = gid = 0
        if area == "home/user":
            uid = gid = 1000
        elif area == "var/lib/dpkg/info" and rng.random() < 0.05:
            gid = 4  # adm
        m = mode
        if area in ("usr/bin", "usr/sbin") and rng.random() < 0.02:
            m = 0o4755  # setuid binaries (passwd, su, ...)
        elif area == "etc" and rng.random() < 0.03:
            m = 0o600
        write_file(os.path.join(root, rel), data, m, uid, gid, T_BASE)
        regulars.append(rel)
        by_dir.setdefault(d, []).append(rel)
        if size < 64 * 1024 and rng.random() < 0.1:
            dup_sources.append(rel)
        count += 1
        written += len(data)

    large_budget = max(0, bytes_target - written)
    for j, (kind, share, rel) in enumerate(LARGE):
        make_dir(os.path.dirname(rel))
        size = int(large_budget * share)
        data = pools.content(rng, kind, size, rel)
        write_file(os.path.join(root, rel), data, 0o644, 0, 0, T_BASE)
        regulars.append(rel)
        count += 1
        written += size
        del data

    # Symlinks: about 8 % of the file count. .so version chains, absolute links into /etc, links to
    # directories, and a few dangling ones (real images have them).
    n_links = files_target * 8 // 100
    all_dirs = [d for ds in dirs.values() for d in ds]
    for k in range(n_links):
        r = rng.random()
        d = rng.choice(all_dirs)
        link = os.path.join(root, d, "ln%d-%s" % (k, rng.choice(["so", "cfg", "alt", "dir", "x"])))
        if r < 0.6:
            siblings = by_dir.get(d)  # libfoo.so -> libfoo.so.1.2.3 in the same directory
            target = os.path.basename(rng.choice(siblings)) if siblings else "missing-%d" % k
        elif r < 0.85:
            target = "/" + rng.choice(regulars)
        elif r < 0.95:
            target = "/" + rng.choice(all_dirs)
        else:
            target = "../missing/target-%d" % k
        if os.path.lexists(link):
            continue
        os.symlink(target, link)
        os.utime(link, (T_BASE, T_BASE), follow_symlinks=False)

    print(json.dumps(summary(root)))


def walk_sorted(root):
    """(sorted dirs, sorted regular files, sorted symlinks), relative to root; deterministic."""
    ds, fs, ls = [], [], []
    for dp, dn, fn in os.walk(root):
        dn.sort()
        rel = os.path.relpath(dp, root)
        for n in dn:
            p = os.path.normpath(os.path.join(rel, n))
            (ls if os.path.islink(os.path.join(root, p)) else ds).append(p)
        for n in sorted(fn):
            p = os.path.normpath(os.path.join(rel, n))
            (ls if os.path.islink(os.path.join(root, p)) else fs).append(p)
    return sorted(ds), sorted(fs), sorted(ls)


def summary(root):
    ds, fs, ls = walk_sorted(root)
    total = 0
    inodes = set()
    for f in fs:
        st = os.lstat(os.path.join(root, f))
        total += st.st_size
        inodes.add(st.st_ino)
    return {"tree": root, "dirs": len(ds), "regular_files": len(fs), "symlinks": len(ls),
            "bytes": total, "inodes": len(inodes)}


def mutate(args):
    rng = random.Random(args.seed)
    pools = Pools(args.seed)
    root = os.path.abspath(args.tree)
    mtime = T_BASE + 86_400 * args.seed  # changed files are newer than any earlier version's
    ds, fs, ls = walk_sorted(root)
    sizes = {f: os.lstat(os.path.join(root, f)).st_size for f in fs}
    total = sum(sizes.values())
    budget_mod = int(total * args.fraction * 0.7)
    budget_new = int(total * args.fraction * 0.3)
    stats = {"modified_files": 0, "modified_bytes": 0, "new_files": 0, "new_bytes": 0, "moved_files": 0,
             "deleted_files": 0, "deleted_dirs": 0, "symlinks_retargeted": 0, "modes_changed": 0}

    order = fs[:]
    rng.shuffle(order)
    touched = set()
    seen_inodes = set()
    # Modified: new content of a similar size, written through the same inode.
    for f in order:
        if stats["modified_bytes"] >= budget_mod:
            break
        st = os.lstat(os.path.join(root, f))
        if st.st_ino in seen_inodes or st.st_size > budget_mod - stats["modified_bytes"] + 64 * 1024:
            continue
        seen_inodes.add(st.st_ino)
        kind = "text" if f.endswith((".h", ".py", ".txt", ".conf", ".c", ".list")) else "bin"
        if f.endswith((".png", ".gz", ".bin", ".xz", ".svgz", ".onnx")):
            kind = "rand"
        new_size = max(0, int(st.st_size * rng.uniform(0.9, 1.15)))
        data = pools.content(rng, kind, new_size, "%s@v%d" % (f, args.seed))
        p = os.path.join(root, f)
        with open(p, "r+b") as fh:
            fh.write(data)
            fh.truncate(len(data))
        os.utime(p, (mtime, mtime))
        touched.add(f)
        stats["modified_files"] += 1
        stats["modified_bytes"] += len(data)

    # Moved: 3 % of the files get another path (same content, same inode).
    cands = [f for f in order if f not in touched]
    dir_list = [d for d in ds if not d.startswith(("proc", "sys", "dev", "run", "tmp", "mnt", "media"))]
    n_move = len(fs) * 3 // 100
    for f in cands[:n_move]:
        dst_dir = rng.choice(dir_list)
        dst = os.path.join(dst_dir, "mv-" + os.path.basename(f))
        if os.path.lexists(os.path.join(root, dst)):
            continue
        os.rename(os.path.join(root, f), os.path.join(root, dst))
        touched.add(f)
        stats["moved_files"] += 1

    # Deleted: 2 % of the files and a few whole leaf directories.
    for f in cands[n_move:n_move + len(fs) * 2 // 100]:
        os.unlink(os.path.join(root, f))
        touched.add(f)
        stats["deleted_files"] += 1
    leaves = [d for d in dir_list if d.count("/") >= 4]
    rng.shuffle(leaves)
    for d in leaves[: max(1, len(leaves) // 100)]:
        p = os.path.join(root, d)
        if not os.path.isdir(p) or os.path.islink(p):
            continue
        for dp, dn, fn in os.walk(p, topdown=False):
            for n in fn:
                os.unlink(os.path.join(dp, n))
            for n in dn:
                q = os.path.join(dp, n)
                os.unlink(q) if os.path.islink(q) else os.rmdir(q)
        os.rmdir(p)
        stats["deleted_dirs"] += 1
    dir_list = [d for d in dir_list if os.path.isdir(os.path.join(root, d))]

    # New: files in existing and in new directories (a new package).
    new_pkg = "usr/lib/python3/dist-packages/newpkg_v%d" % args.seed
    i = 0
    while stats["new_bytes"] < budget_new:
        if i % 3 == 0:
            d = os.path.join(new_pkg, "sub%d" % (i % 17))
            os.makedirs(os.path.join(root, d), exist_ok=True)
        else:
            d = rng.choice(dir_list)
        kind = rng.choice(["text", "text", "bin", "rand"])
        size = min(budget_new - stats["new_bytes"], lognormal(rng, 6_000, 1.6, 8 * MiB)) + 1
        rel = os.path.join(d, "new%d-v%d.%s" % (i, args.seed, {"text": "py", "bin": "so", "rand": "gz"}[kind]))
        data = pools.content(rng, kind, size, rel)
        write_file(os.path.join(root, rel), data, 0o644, 0, 0, mtime)
        stats["new_files"] += 1
        stats["new_bytes"] += len(data)
        i += 1

    # Symlinks retargeted and modes changed (metadata-only changes).
    for l in ls[: len(ls) // 20]:
        p = os.path.join(root, l)
        if not os.path.islink(p):
            continue
        os.unlink(p)
        os.symlink("../retargeted/v%d/%s" % (args.seed, os.path.basename(l)), p)
        os.utime(p, (mtime, mtime), follow_symlinks=False)
        stats["symlinks_retargeted"] += 1
    for f in [x for x in order if x not in touched][: len(fs) // 200]:
        p = os.path.join(root, f)
        if not os.path.lexists(p):
            continue  # inside a deleted directory
        os.chmod(p, 0o755 if (os.lstat(p).st_mode & 0o111) == 0 else 0o644)
        stats["modes_changed"] += 1

    out = summary(root)
    out.update(stats)
    out["changed_fraction"] = round((stats["modified_bytes"] + stats["new_bytes"]) / max(1, total), 4)
    print(json.dumps(out))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create")
    c.add_argument("--out", required=True)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--files", type=int, required=True)
    c.add_argument("--bytes", type=int, required=True)
    m = sub.add_parser("mutate")
    m.add_argument("--tree", required=True)
    m.add_argument("--seed", type=int, required=True)
    m.add_argument("--fraction", type=float, default=0.10)
    args = p.parse_args(argv)
    create(args) if args.cmd == "create" else mutate(args)


if __name__ == "__main__":
    main(sys.argv[1:])
