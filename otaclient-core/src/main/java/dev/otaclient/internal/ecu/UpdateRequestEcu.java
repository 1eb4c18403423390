package dev.otaclient.internal.ecu;

import java.util.Objects;

/**
 * One entry of an update request ({@code UpdateRequestEcu} of the API), transport-free. Values are
 * kept exactly as received: requests are forwarded to children unmodified, and checked by
 * {@link EcuNode} before anything is started.
 *
 * @param cookies a JSON object as a string ({@code "{}"} for none)
 */
public record UpdateRequestEcu(String ecuId, String version, String url, String cookies) {
  public UpdateRequestEcu {
    ecuId = Objects.requireNonNullElse(ecuId, "");
    version = Objects.requireNonNullElse(version, "");
    url = Objects.requireNonNullElse(url, "");
    cookies = Objects.requireNonNullElse(cookies, "");
  }

  @Override
  public String toString() {
    // cookies are credentials: never log them
    return "UpdateRequestEcu[ecuId=" + ecuId + ", version=" + version + ", url=" + url + "]";
  }
}
