package dev.otaclient.internal.fetch;

import java.util.Objects;

/**
 * Why a fetch ended without the content. The transport only says what happened; what it means for
 * an update (a network failure worth retrying later, a broken image, an invalid request) depends on
 * what was being fetched, and is decided by the image source that asked.
 */
public final class FetchFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong, from the caller's point of view. */
  public enum Kind {
    /** The file does not exist (HTTP 404, no such member or file). */
    NOT_FOUND,
    /** The server or the file system refused it for good (HTTP 4xx other than 404/413/429, path outside the image). */
    REFUSED,
    /** The transport kept failing (connection, timeouts, 5xx) until the retries or the budget ran out. */
    UNAVAILABLE,
    /** Bytes arrived but are not the listed content (size, hash, zstd frame, larger than allowed). */
    CONTENT,
    /** The fetching thread was interrupted or the transport closed: the caller is cancelling. */
    INTERRUPTED
  }

  private final Kind kind;
  private final String where;
  private final String reason;

  /**
   * @param where the URL or image-relative path that failed
   * @param reason what happened, without the location
   */
  public FetchFailure(Kind kind, String where, String reason, Throwable cause) {
    super(where + ": " + reason, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.where = Objects.requireNonNull(where, "where");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public FetchFailure(Kind kind, String where, String reason) {
    this(kind, where, reason, null);
  }

  public Kind kind() {
    return kind;
  }

  /** The URL or image-relative path that failed. */
  public String where() {
    return where;
  }

  /** What happened, without the location. */
  public String reason() {
    return reason;
  }
}
