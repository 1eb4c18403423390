package dev.otaclient.internal.ecu;

/** A child ECU could not be asked: connection refused, deadline exceeded, or a broken answer. */
public class EcuUnreachableException extends Exception {
  private static final long serialVersionUID = 1L;

  public EcuUnreachableException(String message) {
    super(message);
  }

  public EcuUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
