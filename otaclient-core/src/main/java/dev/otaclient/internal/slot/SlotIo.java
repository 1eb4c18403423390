package dev.otaclient.internal.slot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.nio.file.FileSystemException;

/** Maps I/O failures on the standby slot to typed errors; ENOSPC is its own code (306). */
public final class SlotIo {
  private SlotIo() {}

  public static OtaException failure(String what, IOException e) {
    if (isNoSpace(e)) {
      return new OtaException(ErrorCode.STANDBY_SPACE, ErrorModule.STANDBY_SLOT,
          what + ": no space left on the standby slot", e);
    }
    return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, what + ": " + describe(e), e);
  }

  public static boolean isNoSpace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t instanceof FileSystemException fse ? fse.getReason() : t.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
        return true;
      }
      if (t instanceof OtaException oe && oe.code() == ErrorCode.STANDBY_SPACE) {
        return true;
      }
    }
    return false;
  }

  private static String describe(IOException e) {
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return e.getClass().getSimpleName() + " " + fse.getFile() + ": " + fse.getReason();
    }
    return e.toString();
  }
}
