package dev.otaclient.error;

/** The component a failure came from: the {@code <module>} digits of a failure code. */
public enum ErrorModule {
  GENERAL(0),
  BOOT_CONTROL(1),
  STANDBY_SLOT(2),
  DOWNLOADER(3),
  API(4),
  SERVICE(5);

  private final int number;

  ErrorModule(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }
}
