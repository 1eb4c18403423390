package dev.otaclient.error;

import java.util.Objects;

/**
 * The one exception type of the client. Every failure carries a {@link ErrorCode} (which fixes the
 * {@link FailureType}), the module it came from, and a human detail that names the file, line or
 * request field at fault. Unchecked, because list parsing runs behind iterators and streams.
 */
public class OtaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final ErrorModule module;
  private final ErrorApi api;
  private final String detail;

  public OtaException(ErrorCode code, ErrorModule module, String detail) {
    this(code, module, ErrorApi.UPDATE, detail, null);
  }

  public OtaException(ErrorCode code, ErrorModule module, String detail, Throwable cause) {
    this(code, module, ErrorApi.UPDATE, detail, cause);
  }

  public OtaException(ErrorCode code, ErrorModule module, ErrorApi api, String detail, Throwable cause) {
    super(format(code, module, api, detail), cause);
    this.code = Objects.requireNonNull(code);
    this.module = Objects.requireNonNull(module);
    this.api = Objects.requireNonNull(api);
    this.detail = detail == null ? "" : detail;
  }

  private static String format(ErrorCode code, ErrorModule module, ErrorApi api, String detail) {
    String base = String.format("E%d-%02d%02d-%03d: %s",
        code.failureType().digit(), api.number(), module.number(), code.number(), code.description());
    return detail == null || detail.isEmpty() ? base : base + ": " + detail;
  }

  public ErrorCode code() {
    return code;
  }

  public ErrorModule module() {
    return module;
  }

  public ErrorApi api() {
    return api;
  }

  public FailureType failureType() {
    return code.failureType();
  }

  /** The specific part of the message, without the code prefix. */
  public String detail() {
    return detail;
  }

  /** The {@code Status.failure_reason} string: {@code E<type>-<api><module>-<code>: <description>[: detail]}. */
  public String failureReason() {
    return getMessage();
  }

  /** The same failure attributed to another operation (e.g. the rollback API). */
  public OtaException withApi(ErrorApi newApi) {
    return new OtaException(code, module, newApi, detail, getCause());
  }
}
