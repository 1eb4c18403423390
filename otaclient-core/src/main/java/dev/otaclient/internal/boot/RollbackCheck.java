package dev.otaclient.internal.boot;

/** Whether a rollback may start; {@code reason} says why not. */
public record RollbackCheck(boolean allowed, String reason) {
  public static RollbackCheck ok() {
    return new RollbackCheck(true, "");
  }

  public static RollbackCheck refused(String reason) {
    return new RollbackCheck(false, reason);
  }
}
