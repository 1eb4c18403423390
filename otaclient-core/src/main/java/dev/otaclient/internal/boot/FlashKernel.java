package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.Fsync;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raspberry Pi boot partition brought to a new slot's kernel by that slot's own {@code flash-kernel}
 * (TIER IV's {@code rpi_boot}): it knows which device trees, overlays and firmware blobs belong to its
 * kernel, so they reach {@code system-boot} with the kernel. It runs chrooted in the slot with the boot
 * partition at {@code /boot/firmware}, {@code /proc} and {@code /sys} bound, and {@code FK_FORCE=yes}
 * (flash-kernel refuses to touch the firmware from a chroot without it). The plain {@code vmlinuz} and
 * {@code initrd.img} it installs are then renamed to the slot's names; the {@code *.bak} copies it keeps
 * of what it replaced are removed once a slot has booted from the new files.
 */
final class FlashKernel {
  private static final Logger log = LoggerFactory.getLogger(FlashKernel.class);
  static final String PROGRAM = "usr/sbin/flash-kernel";
  /** Where flash-kernel expects the boot partition, inside the slot. */
  static final String FIRMWARE_INSIDE = "boot/firmware";
  static final List<String> BOOT_FILES = List.of("vmlinuz", "initrd.img");
  /** On the boot partition while flash-kernel's backups exist: the slot whose flash-kernel made them. */
  static final String MARKER = ".ota-flash-kernel";

  private final SlotChroot chroot;
  private final Path bootFirmware;

  FlashKernel(CommandRunner cmd, Partitions partitions, Path bootFirmware) {
    this.chroot = new SlotChroot(cmd, partitions, true);
    this.bootFirmware = bootFirmware;
  }

  private List<SlotChroot.Bind> binds() {
    return List.of(new SlotChroot.Bind(bootFirmware, FIRMWARE_INSIDE), new SlotChroot.Bind(Path.of("/proc"), "proc"),
        new SlotChroot.Bind(Path.of("/sys"), "sys"));
  }

  /**
   * Where the binds of a run sit in a slot mounted at {@code slotRoot}, in unmount order: a process killed
   * during flash-kernel leaves them, and the slot cannot be unmounted before they are.
   */
  List<Path> bindTargets(Path slotRoot) {
    return SlotChroot.unmountOrder(slotRoot, binds());
  }

  /** Whether the slot at {@code slotRoot} brings a flash-kernel (a link is judged inside the slot, by chroot). */
  static boolean presentIn(Path slotRoot) {
    return Files.exists(slotRoot.resolve(PROGRAM), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Runs the slot's flash-kernel and installs its kernel and initrd as {@code <file>_<slot>} (renamed,
   * atomically). A failure is POST_UPDATE; the per-slot files of both slots are then as they were, and
   * the plain files a partial run left are removed (nothing reads them).
   */
  void install(Path slotRoot, String slot) throws IOException {
    // backups of an earlier run no slot adopted hold the running slot's files: put them back first, so that
    // this run's backups are the running slot's again and not the earlier run's output
    restoreBackups();
    AtomicFiles.writeString(marker(), slot + "\n");
    Fsync.filesystem(bootFirmware);
    log.info("running flash-kernel of slot {} in a chroot of {}", slot, slotRoot);
    try {
      chroot.run(slotRoot, binds(), Map.of("FK_FORCE", "yes"), ErrorCode.POST_UPDATE, List.of("/" + PROGRAM));
    } catch (OtaException e) {
      discardPlainFiles();
      restoreBackups();
      throw new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL,
          "flash-kernel of slot " + slot + " failed; the running slot's boot files are unchanged: " + e.detail(), e);
    }
    Fsync.filesystem(bootFirmware);
    for (String f : BOOT_FILES) {
      Path produced = bootFirmware.resolve(f);
      Path target = bootFirmware.resolve(f + "_" + slot);
      if (Files.isRegularFile(produced, LinkOption.NOFOLLOW_LINKS)) {
        Files.move(produced, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        // flash-kernel installs both on a Pi; without one the slot would start a stale kernel
        Path own = slotRoot.resolve("boot").resolve(f);
        log.warn("flash-kernel left no {} on the boot partition: copying the slot's {}", f, own);
        copyOwn(own, target, f);
      }
    }
    Fsync.directory(bootFirmware);
  }

  /** Today's way for a slot without flash-kernel: its {@code /boot/vmlinuz} and {@code /boot/initrd.img}. */
  void copyOwnBootFiles(Path slotRoot, String slot) throws IOException {
    log.info("slot {} has no /{}: copying its /boot/vmlinuz and /boot/initrd.img (device trees and firmware on"
        + " system-boot stay as they are)", slot, PROGRAM);
    for (String f : BOOT_FILES) {
      copyOwn(slotRoot.resolve("boot").resolve(f), bootFirmware.resolve(f + "_" + slot), f);
    }
  }

  private static void copyOwn(Path source, Path target, String f) throws IOException {
    if (!Files.isRegularFile(source)) {
      throw new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, source
          + " is missing: the new slot brings no " + f + " for the firmware to load");
    }
    AtomicFiles.copy(source.toRealPath(), target);
  }

  /**
   * Settles flash-kernel's backups at a start on {@code runningSlot} (see the class comment); the marker
   * goes last, so a start cut short settles again. {@code runningIsDefault}: whether config.txt names the
   * running slot (a slot started once by tryboot keeps them until its finalisation adopts it); asked only
   * when the marker names the running slot.
   */
  void settleAtStart(String runningSlot, SlotStateMachine.IoSupplier<Boolean> runningIsDefault) throws IOException {
    Optional<String> madeFor = AtomicFiles.readString(marker()).map(String::strip);
    if (madeFor.isEmpty()) {
      return;
    }
    if (!madeFor.get().equals(runningSlot)) {
      log.info("flash-kernel's files were installed for slot {} but slot {} runs: putting its own back",
          madeFor.get(), runningSlot);
      restoreBackups();
    } else if (runningIsDefault.get()) {
      adopted();
    }
  }

  /**
   * The slot the files were installed for runs and is the default: the backups and the marker go. Also
   * removes {@code *.bak} files an older client's flash-kernel run left without a marker. The number of
   * backups removed.
   */
  int adopted() throws IOException {
    List<Path> baks = backups();
    baks.forEach(AtomicFiles::delete);
    Fsync.filesystem(bootFirmware);
    clearMarker();
    return baks.size();
  }

  /** Renames every backup back over the file flash-kernel installed, then removes the marker. */
  private void restoreBackups() throws IOException {
    if (!Files.exists(marker(), LinkOption.NOFOLLOW_LINKS)) {
      return; // backups without a marker are not ours to restore (an older client's, already adopted)
    }
    List<Path> baks = backups();
    for (Path bak : baks) {
      String name = bak.getFileName().toString();
      Files.move(bak, bak.resolveSibling(name.substring(0, name.length() - ".bak".length())),
          StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    if (!baks.isEmpty()) {
      log.info("restored {} files flash-kernel had replaced on the boot partition", baks.size());
    }
    Fsync.filesystem(bootFirmware);
    clearMarker();
  }

  private void clearMarker() throws IOException {
    if (Files.exists(marker(), LinkOption.NOFOLLOW_LINKS)) {
      AtomicFiles.delete(marker());
      Fsync.filesystem(bootFirmware);
    }
  }

  private Path marker() {
    return bootFirmware.resolve(MARKER);
  }

  /** The {@code *.bak} files on the boot partition, at any depth. */
  private List<Path> backups() {
    try (Stream<Path> s = Files.walk(bootFirmware)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".bak"))
          .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + bootFirmware + ": " + e.getMessage(), e);
    }
  }

  private void discardPlainFiles() {
    for (String f : BOOT_FILES) {
      AtomicFiles.discard(bootFirmware.resolve(f));
    }
  }
}
