package dev.otaclient.status;

import java.util.Objects;

/**
 * What identifies an installed version beyond its version string: the id of the request that
 * installed it and the release ids that request named. Saved per slot beside the version, reported
 * in the v2 status (the request id only locally: the status message has no field for it). Empty
 * strings mean "not given".
 */
public record VersionDetail(String requestId, String releaseName, String releaseId, String imageId) {
  public static final VersionDetail NONE = new VersionDetail("", "", "", "");

  public VersionDetail {
    requestId = Objects.requireNonNullElse(requestId, "");
    releaseName = Objects.requireNonNullElse(releaseName, "");
    releaseId = Objects.requireNonNullElse(releaseId, "");
    imageId = Objects.requireNonNullElse(imageId, "");
  }

  public boolean isEmpty() {
    return equals(NONE);
  }

  /** The same release ids without the request id (what a status from the wire can carry). */
  public VersionDetail withoutRequestId() {
    return new VersionDetail("", releaseName, releaseId, imageId);
  }
}
