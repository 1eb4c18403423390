package dev.otaclient.internal.image.v1;

/** The media and artifact types of OTA image v1 that this client reads and writes. */
public final class MediaTypes {
  public static final String INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String PAYLOAD_ARTIFACT = "application/vnd.tier4.ota.file-based-ota-image.v1";
  public static final String CONFIG = "application/vnd.tier4.ota.file-based-ota-image.config.v1+json";
  public static final String SYS_CONFIG = "application/vnd.tier4.ota.sys-config.v1+yaml";
  public static final String FILE_TABLE = "application/vnd.tier4.ota.file-based-ota-image.file_table.v1.sqlite3";
  public static final String FILE_TABLE_ZSTD = FILE_TABLE + "+zstd";
  public static final String RESOURCE_TABLE =
      "application/vnd.tier4.ota.file-based-ota-image.resource_table.v1.sqlite3";
  public static final String RESOURCE_TABLE_ZSTD = RESOURCE_TABLE + "+zstd";

  /** Annotation naming the ECU a payload is for. */
  public static final String ECU_ANNOTATION = "vnd.tier4.pilot-auto.platform.ecu";
  /** Annotation naming the release key ({@code dev} or {@code prd}) of a payload. */
  public static final String RELEASE_KEY_ANNOTATION = "vnd.tier4.ota.release-key";
  public static final String ARCHITECTURE_ANNOTATION = "vnd.tier4.pilot-auto.platform.ecu.architecture";

  /** File names at the image root. */
  public static final String OCI_LAYOUT = "oci-layout";
  public static final String INDEX_JSON = "index.json";
  public static final String INDEX_JWT = "index.jwt";
  public static final String BLOBS = "blobs/sha256/";

  private MediaTypes() {}
}
