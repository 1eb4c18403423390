package dev.otaclient.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small deterministic root filesystems for the demo: v1, and v2 with about 10 % of it changed. */
final class DemoRootfs {
  private DemoRootfs() {}

  static void v1(Path root) throws IOException {
    Random rnd = new Random(1);
    write(root, "etc/hostname", "demo-ecu\n");
    write(root, "etc/os-release", "NAME=\"Demo OS\"\nVERSION_ID=\"1.0\"\n");
    write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nautoware:x:1000:1000::/home/autoware:/bin/sh\n");
    write(root, "etc/group", "root:x:0:\nautoware:x:1000:\n");
    for (int pkg = 0; pkg < 20; pkg++) {
      for (int f = 0; f < 15; f++) {
        byte[] b = new byte[200 + rnd.nextInt(40_000)];
        if (f % 3 == 0) {
          // text-like content compresses, like most of a real rootfs
          String line = "config value " + pkg + "." + f + " = enabled\n";
          byte[] t = line.repeat(b.length / line.length() + 1).getBytes(StandardCharsets.US_ASCII);
          System.arraycopy(t, 0, b, 0, b.length);
        } else {
          rnd.nextBytes(b);
        }
        Path p = root.resolve("usr/lib/pkg" + pkg + "/file" + f + ".so");
        Files.createDirectories(p.getParent());
        Files.write(p, b);
      }
    }
    Path big = root.resolve("usr/share/demo/big.txt");
    Files.createDirectories(big.getParent());
    Files.writeString(big, "the quick brown fox jumps over the lazy dog\n".repeat(30_000));
    Files.createDirectories(root.resolve("usr/bin"));
    write(root, "usr/bin/demo-tool", "#!/bin/sh\necho demo 1.0\n");
    Files.setPosixFilePermissions(root.resolve("usr/bin/demo-tool"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createLink(root.resolve("usr/bin/demo-tool-alias"), root.resolve("usr/bin/demo-tool"));
    Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
    Files.createDirectories(root.resolve("boot"));
    write(root, "boot/vmlinuz-1.0", "kernel 1.0\n");
    Files.createDirectories(root.resolve("var/log"));
    Files.createDirectories(root.resolve("tmp"));
  }

  /** Copies v1 and changes it: modified, moved, new and deleted files. */
  static void v2(Path v1, Path v2) throws IOException {
    copyTree(v1, v2);
    Random rnd = new Random(2);
    for (int pkg = 0; pkg < 20; pkg += 4) {
      byte[] b = new byte[5_000 + rnd.nextInt(30_000)];
      rnd.nextBytes(b);
      Files.write(v2.resolve("usr/lib/pkg" + pkg + "/file1.so"), b);
    }
    write(v2, "etc/os-release", "NAME=\"Demo OS\"\nVERSION_ID=\"2.0\"\n");
    write(v2, "usr/bin/demo-tool", "#!/bin/sh\necho demo 2.0\n");
    Files.move(v2.resolve("usr/lib/pkg19/file14.so"), v2.resolve("usr/lib/pkg0/moved.so"));
    Files.delete(v2.resolve("usr/lib/pkg18/file13.so"));
    Files.createDirectories(v2.resolve("usr/lib/pkg20"));
    byte[] n = new byte[60_000];
    rnd.nextBytes(n);
    Files.write(v2.resolve("usr/lib/pkg20/new.so"), n);
    write(v2, "boot/vmlinuz-2.0", "kernel 2.0\n");
  }

  private static void write(Path root, String rel, String content) throws IOException {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content, StandardCharsets.UTF_8);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Process p = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start();
    try {
      if (p.waitFor() != 0) {
        throw new IOException("cp -a failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
