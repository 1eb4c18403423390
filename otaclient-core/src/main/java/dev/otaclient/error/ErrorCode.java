package dev.otaclient.error;

/**
 * Failure codes compatible with the Python client's {@code E<type>-<api><module>-<code>} strings.
 * 1xx are network problems and 2xx other recoverable ones; 3xx are unrecoverable. The Python client
 * reported every code as RECOVERABLE (a mis-typed base class); we report 3xx as UNRECOVERABLE, which is
 * what its code intended (see docs/compatibility.md).
 */
public enum ErrorCode {
  NETWORK(100, "error related to network connection detected, please check the Internet connection and try again"),
  METADATA_DOWNLOAD(101, "failed to download OTA image metadata"),
  BUSY(201, "another OTA operation is in progress"),
  INVALID_STATUS_FOR_UPDATE(202, "current OTA status does not allow an update"),
  INVALID_UPDATE_REQUEST(203, "invalid update request"),
  INVALID_STATUS_FOR_ROLLBACK(204, "current OTA status does not allow a rollback"),
  METADATA_VERIFICATION(205, "OTA image metadata verification failed"),
  DELTA_GENERATION(206, "delta generation failed"),
  APPLY_UPDATE(207, "failed to apply the OTA update"),
  BASE_METADATA_VERIFICATION(208, "OTA image signature or certificate verification failed"),
  PROXY_START(209, "ota_proxy failed to start"),
  UNRECOVERABLE(300, "unrecoverable ota error detected, please contact technical support"),
  PLATFORM_UNSUPPORTED(301, "platform unsupported"),
  BOOT_CONTROL_INIT(302, "boot controller failed to initialise"),
  PRE_UPDATE(303, "failed to prepare the standby slot"),
  POST_UPDATE(304, "failed to switch the boot loader to the updated slot"),
  STANDBY_SPACE(306, "standby slot has not enough space"),
  PRE_ROLLBACK(307, "failed to prepare the rollback");

  private final int number;
  private final String description;

  ErrorCode(int number, String description) {
    this.number = number;
    this.description = description;
  }

  public int number() {
    return number;
  }

  public String description() {
    return description;
  }

  public FailureType failureType() {
    return number >= 300 ? FailureType.UNRECOVERABLE : FailureType.RECOVERABLE;
  }
}
