package dev.otaclient.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A call to an OtaClientV2 server that produced no usable answer. The message is meant for a person
 * at a terminal, e.g. {@code cannot reach 127.0.0.1:50051: Connection refused (UNAVAILABLE)}.
 */
public final class OtaCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why there is no answer. */
  public enum Kind {
    /** No connection, or no answer before the deadline. */
    UNREACHABLE,
    /** The server answered with a gRPC error status (bad request, server bug). */
    REJECTED,
    /** The server answered with something this build cannot interpret. */
    BAD_ANSWER
  }

  private static final java.util.regex.Pattern NATIVE_PREFIX =
      java.util.regex.Pattern.compile("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ");

  private final String target;
  private final Kind kind;
  private final transient Status.Code code;

  private OtaCallException(String target, Kind kind, Status.Code code, String message, Throwable cause) {
    super(message, cause);
    this.target = target;
    this.kind = kind;
    this.code = code;
  }

  /** Classifies a failed call to {@code target} ({@code host:port}) of method {@code rpc}. */
  public static OtaCallException of(String target, String rpc, StatusRuntimeException e, Duration deadline) {
    Status.Code code = e.getStatus().getCode();
    return switch (code) {
      case UNAVAILABLE, UNKNOWN -> new OtaCallException(target, Kind.UNREACHABLE, code,
          "cannot reach " + target + ": " + reason(e) + " (" + code + ")", e);
      case DEADLINE_EXCEEDED -> new OtaCallException(target, Kind.UNREACHABLE, code,
          "cannot reach " + target + ": no answer to " + rpc + " within " + seconds(deadline) + " (" + code + ")", e);
      default -> new OtaCallException(target, Kind.REJECTED, code,
          target + " rejected " + rpc + ": " + code
              + Optional.ofNullable(e.getStatus().getDescription()).map(d -> ": " + d).orElse(""), e);
    };
  }

  /** The server's answer could not be converted (unknown enum value, invalid duration). */
  public static OtaCallException badAnswer(String target, String rpc, RuntimeException e) {
    return new OtaCallException(target, Kind.BAD_ANSWER, null,
        target + " sent an unreadable " + rpc + " answer: " + e.getMessage(), e);
  }

  public String target() {
    return target;
  }

  public Kind kind() {
    return kind;
  }

  /** The gRPC status code, absent for {@link Kind#BAD_ANSWER}. */
  public Optional<Status.Code> code() {
    return Optional.ofNullable(code);
  }

  /** The most specific reason available: the innermost cause's message (e.g. "Connection refused"). */
  private static String reason(StatusRuntimeException e) {
    Throwable t = e;
    String best = e.getStatus().getDescription();
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        // Netty's native transport prefixes the OS message with the syscall that failed
        best = NATIVE_PREFIX.matcher(t.getMessage()).replaceFirst("");
      }
    }
    return Objects.requireNonNullElse(best, "no connection");
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }
}
