package dev.otaclient.internal.ecu;

import dev.otaclient.status.VersionDetail;
import java.util.Objects;

/**
 * One entry of an update request ({@code UpdateRequestEcu} of the API), transport-free. Values are
 * kept exactly as received: requests are forwarded to children unmodified, and checked by
 * {@link EcuNode} before anything is started.
 *
 * @param cookies a JSON object as a string ({@code "{}"} for none)
 * @param releaseName the release this entry installs, recorded beside the version ("" for none)
 * @param releaseId see {@code releaseName}
 * @param imageId see {@code releaseName}
 */
public record UpdateRequestEcu(String ecuId, String version, String url, String cookies, String releaseName,
    String releaseId, String imageId) {
  public UpdateRequestEcu {
    ecuId = Objects.requireNonNullElse(ecuId, "");
    version = Objects.requireNonNullElse(version, "");
    url = Objects.requireNonNullElse(url, "");
    cookies = Objects.requireNonNullElse(cookies, "");
    releaseName = Objects.requireNonNullElse(releaseName, "");
    releaseId = Objects.requireNonNullElse(releaseId, "");
    imageId = Objects.requireNonNullElse(imageId, "");
  }

  /** An entry that names no release. */
  public UpdateRequestEcu(String ecuId, String version, String url, String cookies) {
    this(ecuId, version, url, cookies, "", "", "");
  }

  /** The ids to record beside the version when this entry of request {@code requestId} is installed. */
  public VersionDetail detail(String requestId) {
    return new VersionDetail(requestId, releaseName, releaseId, imageId);
  }

  @Override
  public String toString() {
    // cookies are credentials: never log them
    return "UpdateRequestEcu[ecuId=" + ecuId + ", version=" + version + ", url=" + url
        + (releaseName.isEmpty() && releaseId.isEmpty() && imageId.isEmpty() ? ""
            : ", release=" + releaseName + "/" + releaseId + "/" + imageId) + "]";
  }
}
