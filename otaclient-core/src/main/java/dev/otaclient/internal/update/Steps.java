package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Joins the parallel work of one step: the first failure wins, the rest is cancelled. */
final class Steps {
  private Steps() {}

  static void awaitAll(List<? extends Future<?>> futures) {
    RuntimeException first = null;
    for (Future<?> f : futures) {
      if (first != null) {
        f.cancel(true);
        continue;
      }
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        first = new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, "update interrupted", e);
      } catch (CancellationException e) {
        first = new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, "update cancelled", e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        first = c instanceof RuntimeException re ? re
            : new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, String.valueOf(c), c);
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
