package dev.otaclient.internal.update;

import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.RollbackCheck;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.error.FailureType;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal boot controller over two plain directories, for engine tests that must not depend on a
 * real backend: it records the calls and never switches anything.
 */
final class TestSlots implements BootController {
  final Path active;
  final Path standby;
  final List<String> calls = new ArrayList<>();
  boolean reuseAllowed = true;
  /** A status file the controller writes inside the standby before the build ({@code /boot/ota-status}), as CBoot, Jetson UEFI and the Pi do. */
  boolean statusInSlot;
  BootState state = new BootState(OtaStatus.SUCCESS, "v1", FailureType.NO_FAILURE, "");

  TestSlots(Path active, Path standby) {
    this.active = active;
    this.standby = standby;
    try {
      Files.createDirectories(active);
      Files.createDirectories(standby);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String activeSlotId() {
    return "a";
  }

  @Override
  public String standbySlotId() {
    return "b";
  }

  @Override
  public BootState finalizeAtStartup() {
    calls.add("finalize");
    return state;
  }

  @Override
  public BootState currentState() {
    return state;
  }

  @Override
  public Path activeRoot() {
    return active;
  }

  @Override
  public Standby prepareStandby(String newVersion, boolean reuseInPlace) {
    calls.add("prepare " + newVersion);
    boolean reuse = reuseInPlace && reuseAllowed;
    if (!reuse) {
      try {
        if (Files.exists(standby)) {
          AtomicFiles.deleteTree(standby);
        }
        Files.createDirectories(standby);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (statusInSlot) {
      try {
        Files.createDirectories(standby.resolve("boot/ota-status"));
        Files.writeString(standby.resolve("boot/ota-status/status"), "UPDATING");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new Standby(standby, standby.resolve("boot"), reuse, java.util.Set.of("/boot/ota-status"));
    }
    return new Standby(standby, standby.resolve("boot"), reuse);
  }

  @Override
  public void commitSwitch(Standby s) {
    calls.add("commit");
  }

  @Override
  public void reboot() {
    calls.add("reboot");
    state = new BootState(OtaStatus.SUCCESS, "new", FailureType.NO_FAILURE, "");
  }

  @Override
  public void onAbort() {
    calls.add("abort");
    state = new BootState(OtaStatus.ABORTED, state.version(), FailureType.NO_FAILURE, "");
  }

  @Override
  public void onFailure(String failureReason) {
    calls.add("failure " + failureReason);
    state = new BootState(OtaStatus.FAILURE, state.version(), FailureType.RECOVERABLE, failureReason);
  }

  @Override
  public RollbackCheck checkRollback() {
    return RollbackCheck.refused("test slots do not roll back");
  }

  @Override
  public void prepareRollback() {
    throw new UnsupportedOperationException();
  }
}
