package dev.otaclient.internal.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Shared set-up and inspection for the GRUB tests (fake devices and real loop devices). */
final class GrubWorld {
  static final String UUID_A = "aaaaaaaa-0000-4000-8000-000000000001";
  static final String UUID_B = "bbbbbbbb-0000-4000-8000-000000000002";
  static final String UUID_BOOT = "cccccccc-0000-4000-8000-000000000003";
  static final String OLD_KERNEL = "5.15.0-27-generic";
  static final String NEW_KERNEL = "5.19.0-50-generic";

  final Path root;
  final Path boot;
  final Path cmdline;
  final GrubLayout layout;

  GrubWorld(Path work) throws IOException {
    root = Files.createDirectories(work.resolve("root"));
    boot = Files.createDirectories(work.resolve("boot"));
    cmdline = work.resolve("cmdline");
    layout = GrubLayout.of(root, boot, cmdline, work.resolve("mnt/standby"), work.resolve("mnt/refroot"));
  }

  /** A device as installed before any OTA client ran: one kernel in /boot, a plain grub.cfg. */
  void provisionFactoryState() throws IOException {
    Files.createDirectories(root.resolve("etc/default"));
    Files.writeString(root.resolve("etc/default/grub"), FakeSystem.resource("boot/grub/default-grub"));
    Files.writeString(root.resolve("etc/fstab"), FakeSystem.resource("boot/grub/fstab.active"));
    Files.writeString(root.resolve("etc/os-release"), "VERSION=factory\n");
    Files.writeString(boot.resolve("vmlinuz-" + OLD_KERNEL), "kernel " + OLD_KERNEL);
    Files.writeString(boot.resolve("initrd.img-" + OLD_KERNEL), "initrd " + OLD_KERNEL);
    Files.writeString(boot.resolve("config-" + OLD_KERNEL), "config");
    Files.createDirectories(boot.resolve("grub"));
    Files.writeString(boot.resolve("grub/grub.cfg"), "# installer's grub.cfg\n");
    Files.writeString(cmdline, "BOOT_IMAGE=/vmlinuz-" + OLD_KERNEL + " root=UUID=" + UUID_A + " ro quiet splash vt.handoff=7\n");
  }

  /** What the engine would put into the standby: a rootfs with its own fstab and a new kernel in the boot folder. */
  static void writeImage(Standby sb, String version) throws IOException {
    Files.createDirectories(sb.root().resolve("etc/default"));
    Files.writeString(sb.root().resolve("etc/fstab"), FakeSystem.resource("boot/grub/fstab.image"));
    Files.writeString(sb.root().resolve("etc/default/grub"), FakeSystem.resource("boot/grub/default-grub"));
    Files.writeString(sb.root().resolve("etc/os-release"), "VERSION=" + version + "\n");
    Files.writeString(sb.bootDir().resolve("vmlinuz-" + NEW_KERNEL), "kernel " + NEW_KERNEL);
    Files.writeString(sb.bootDir().resolve("initrd.img-" + NEW_KERNEL), "initrd " + NEW_KERNEL);
    Files.writeString(sb.bootDir().resolve("config-" + NEW_KERNEL), "config");
  }

  /** The /boot tree, one line per entry; slot names replaced by @A@/@B@ so fixtures are device-independent. */
  String bootTree(String slotA, String slotB) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(boot)) {
      for (Path p : s.sorted().toList()) {
        if (p.equals(boot) || boot.relativize(p).startsWith("lost+found")) {
          continue;
        }
        String rel = boot.relativize(p).toString();
        String line;
        if (Files.isSymbolicLink(p)) {
          line = rel + " -> " + Files.readSymbolicLink(p);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          line = rel + "/";
        } else if (List.of("status", "version", "slot_in_use").contains(p.getFileName().toString())) {
          line = rel + " = " + Files.readString(p);
        } else if (p.getFileName().toString().equals("failure_reason")) {
          line = rel + " (failure reason)";
        } else {
          line = rel;
        }
        out.add(line);
      }
    }
    return String.join("\n", out).replace(slotA, "@A@").replace(slotB, "@B@") + "\n";
  }
}
