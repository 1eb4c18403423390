package dev.otaclient.error;

/** The operation a failure happened in: the {@code <api>} digits of a failure code. */
public enum ErrorApi {
  UNSPECIFIC(0),
  UPDATE(1),
  ROLLBACK(2);

  private final int number;

  ErrorApi(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }
}
