package dev.otaclient.error;

/** How a caller should react to a failed operation; mirrors {@code OtaClientV2.FailureType}. */
public enum FailureType {
  NO_FAILURE,
  /** Resend the request or retry later; nothing on the device needs fixing. */
  RECOVERABLE,
  /** Retrying will not help without intervention (bad image, broken slot layout, disk too small). */
  UNRECOVERABLE;

  /** The digit used in failure-reason strings: {@code E<digit>-…}. */
  public int digit() {
    return ordinal();
  }
}
