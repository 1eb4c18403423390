package dev.otaclient.grpc;

import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.RollbackCheck;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.status.VersionDetail;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Real boot control (directory slots) that the test can hold at two moments: while the standby is
 * being prepared (the critical zone of an update) and while the switch is being armed (its final
 * phase). Each hold is armed by the test, signals when it is reached, and lasts until released.
 */
final class HoldingBoot implements BootController {
  private final BootController d;
  private volatile Hold prepare;
  private volatile Hold commit;

  /** One moment to hold: {@link #reached} counts down when it is, {@link #release()} lets it go on. */
  static final class Hold {
    final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    void release() {
      release.countDown();
    }

    void awaitReached() throws InterruptedException {
      if (!reached.await(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the held step was never reached");
      }
    }

    private void pass() {
      reached.countDown();
      try {
        // bounded only so that a test that forgot to release ends
        release.await(10, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  HoldingBoot(BootController d) {
    this.d = d;
  }

  Hold holdPrepare() {
    prepare = new Hold();
    return prepare;
  }

  Hold holdCommit() {
    commit = new Hold();
    return commit;
  }

  @Override public String activeSlotId() { return d.activeSlotId(); }
  @Override public String standbySlotId() { return d.standbySlotId(); }
  @Override public BootState finalizeAtStartup() { return d.finalizeAtStartup(); }
  @Override public BootState currentState() { return d.currentState(); }
  @Override public Path activeRoot() { return d.activeRoot(); }
  @Override public Standby prepareStandby(String v, boolean reuse) { return prepareStandby(v, VersionDetail.NONE, reuse); }

  @Override
  public Standby prepareStandby(String v, VersionDetail detail, boolean reuse) {
    Hold h = prepare;
    if (h != null) {
      prepare = null;
      h.pass();
    }
    return d.prepareStandby(v, detail, reuse);
  }

  @Override
  public void commitSwitch(Standby standby) {
    Hold h = commit;
    if (h != null) {
      commit = null;
      h.pass();
    }
    d.commitSwitch(standby);
  }

  @Override public void reboot() { d.reboot(); }
  @Override public void onFailure(String failureReason) { d.onFailure(failureReason); }
  @Override public void onAbort() { d.onAbort(); }
  @Override public RollbackCheck checkRollback() { return d.checkRollback(); }
  @Override public void prepareRollback() { d.prepareRollback(); }
}
