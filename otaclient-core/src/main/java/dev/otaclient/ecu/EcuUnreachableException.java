package dev.otaclient.ecu;

// TEMPORARY stub of the ecu branch's fixed signature so the grpc module compiles before `ecu` lands.
public class EcuUnreachableException extends Exception {
  private static final long serialVersionUID = 1L;

  public EcuUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
