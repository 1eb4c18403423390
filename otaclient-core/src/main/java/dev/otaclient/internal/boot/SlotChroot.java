package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A slot's own tool run in a chroot of the slot, with host paths bound into it for the one call
 * (grub-mkconfig of a GRUB slot, flash-kernel of a Raspberry Pi slot). The binds never outlive the
 * call: they are released on every path, and binds a crash left at the same places are released
 * before new ones are made.
 */
final class SlotChroot {
  /** {@code source} on the host seen at {@code inside} (relative, e.g. {@code boot/firmware}) in the slot. */
  record Bind(Path source, String inside) {}

  private final CommandRunner cmd;
  private final Partitions partitions;
  private final boolean unbindable;

  /** {@code unbindable}: each bind is made unbindable (as TIER IV's client binds for flash-kernel). */
  SlotChroot(CommandRunner cmd, Partitions partitions, boolean unbindable) {
    this.cmd = cmd;
    this.partitions = partitions;
    this.unbindable = unbindable;
  }

  /** Where {@code binds} sit in the slot at {@code slotRoot}, last bound first (the order to unmount them). */
  static List<Path> unmountOrder(Path slotRoot, List<Bind> binds) {
    List<Path> targets = new ArrayList<>(binds.stream().map(b -> slotRoot.resolve(b.inside())).toList());
    Collections.reverse(targets);
    return targets;
  }

  /** Runs {@code argv} chrooted in {@code slotRoot} with {@code binds} in place and {@code env} added. */
  CommandResult run(Path slotRoot, List<Bind> binds, Map<String, String> env, ErrorCode code, List<String> argv)
      throws IOException {
    List<Path> targets = binds.stream().map(b -> slotRoot.resolve(b.inside())).toList();
    partitions.release(code, unmountOrder(slotRoot, binds));
    List<Path> done = new ArrayList<>();
    CommandResult result;
    try {
      for (int i = 0; i < binds.size(); i++) {
        partitions.bind(binds.get(i).source(), targets.get(i), unbindable, code);
        done.add(0, targets.get(i));
      }
      List<String> all = new ArrayList<>(List.of("chroot", slotRoot.toString()));
      all.addAll(argv);
      result = cmd.run(code, env, all);
    } catch (IOException | RuntimeException e) {
      // the tool's failure is the one to report; a bind that will not go away is secondary to it
      try {
        partitions.release(code, done);
      } catch (RuntimeException releaseFailure) {
        e.addSuppressed(releaseFailure);
      }
      throw e;
    }
    partitions.release(code, done);
    return result;
  }
}
