package dev.otaclient.cli;

/**
 * A failure the CLI reports as its one line {@code otaclient: <code>: <reason>} with a chosen exit code
 * (1 = the operation failed, 2 = usage error). The codes are a small fixed vocabulary, listed in every
 * command's help; failures the library reports carry its own {@code E<type>-<api><module>-<code>}.
 */
final class CliFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A wrong or missing argument: nothing was attempted. */
  static final String USAGE = "usage";
  /** An ECU (or the daemon) could not be reached. */
  static final String UNREACHABLE = "unreachable";
  /** An ECU answered, but refused the request. */
  static final String REJECTED = "rejected";
  /** A wait ended before the ECUs did. */
  static final String TIMEOUT = "timeout";
  /** A file or directory could not be read or written. */
  static final String IO = "io";
  /** The daemon's configuration is missing or invalid. */
  static final String CONFIG = "config";
  /** Another process holds what this one needs. */
  static final String BUSY = "busy";
  /** {@code image build}: one of its inputs is unusable; the reason names it. */
  static final String BUILD = "build";
  /** A bug: the reason is the exception; {@code --verbose} shows its trace. */
  static final String INTERNAL = "internal";

  private final String code;
  private final int exitCode;

  CliFailure(String code, String message, int exitCode) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
  }

  /** A usage error (exit 2). */
  static CliFailure usage(String message) {
    return new CliFailure(USAGE, message, 2);
  }

  /** A failed operation (exit 1). */
  static CliFailure failed(String code, String message) {
    return new CliFailure(code, message, 1);
  }

  /**
   * A failed operation whose reason is the library's {@code E<type>-<api><module>-<code>: ...} text
   * (an ECU's {@code failure_reason}): the code is its first field.
   */
  static CliFailure ofReason(String failureReason, String context) {
    int colon = failureReason.indexOf(": ");
    String code = colon > 0 ? failureReason.substring(0, colon) : "failed";
    String reason = colon > 0 ? failureReason.substring(colon + 2) : failureReason;
    // a request the ECU refused as invalid (...-203) was a wrong argument, as when the CLI finds it
    int exit = INVALID_REQUEST.matcher(code).matches() ? 2 : 1;
    return new CliFailure(code, context.isEmpty() ? reason : reason + " (" + context + ")", exit);
  }

  private static final java.util.regex.Pattern INVALID_REQUEST = java.util.regex.Pattern.compile(
      "E\\d-\\d{4}-" + String.format("%03d", dev.otaclient.error.ErrorCode.INVALID_UPDATE_REQUEST.number()));

  String code() {
    return code;
  }

  int exitCode() {
    return exitCode;
  }
}
