package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.status.VersionDetail;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The content rules of an update or rollback request, in one place: the gRPC service (through the
 * ECU tree), the engine's {@link UpdateRequest} and the command line all ask here, so an entry is
 * accepted or refused alike wherever it arrives. Transports may add their own size bounds (message
 * size, number of entries) but no rule on the content.
 *
 * <p><b>Control characters</b> are those of {@link Character#isISOControl}: U+0000..U+001F,
 * U+007F (DEL) and U+0080..U+009F (which holds U+0085, NEL). They are refused in ECU ids and versions,
 * which end up in logs, status tables and slot files; image locations refuse the same set (see
 * {@link ImageLocation#parse}). The Unicode line and paragraph separators U+2028/U+2029 are not
 * control characters and are accepted in ids and versions; no reader of ours ends a line at them.
 */
public final class RequestRules {
  /** Real ids are short names ("autoware", "p1"); longer ones are refused as absurd. */
  public static final int MAX_ECU_ID_LENGTH = 128;
  /** Versions are short labels; this bound only refuses absurd input. */
  public static final int MAX_VERSION_LENGTH = 256;
  /** Request and release ids are opaque labels (UUIDs, names); this bound only refuses absurd input. */
  public static final int MAX_ID_LENGTH = 256;

  private RequestRules() {}

  /** The part of a request entry a rule is about; {@link #requestName} is its name in the Update RPC. */
  public enum Field {
    ECU_ID("ecu_id"),
    VERSION("version"),
    IMAGE("url"),
    COOKIES("cookies"),
    REQUEST_ID("request_id"),
    RELEASE_NAME("release_name"),
    RELEASE_ID("release_id"),
    IMAGE_ID("image_id");

    private final String requestName;

    Field(String requestName) {
      this.requestName = requestName;
    }

    public String requestName() {
      return requestName;
    }
  }

  /** A broken rule: the field at fault and a one-line reason naming it. */
  public record Problem(Field field, String detail) {
    public Problem {
      Objects.requireNonNull(field);
      Objects.requireNonNull(detail);
    }

    /** The problem as the typed error of a refused request. */
    public OtaException exception() {
      return new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API, detail);
    }
  }

  /** Throws the problem's {@link Problem#exception()}, if there is one. */
  public static void require(Optional<Problem> problem) {
    if (problem.isPresent()) {
      throw problem.get().exception();
    }
  }

  /** Why {@code id} cannot name an ECU (in a request or a config file), or empty when it can. */
  public static Optional<Problem> ecuId(String id) {
    if (id == null || id.isEmpty()) {
      return problem(Field.ECU_ID, "ecu id is empty");
    }
    if (id.length() > MAX_ECU_ID_LENGTH) {
      return problem(Field.ECU_ID, "ecu id is " + id.length() + " characters, more than " + MAX_ECU_ID_LENGTH);
    }
    return controlCharacter(Field.ECU_ID, "ecu id", id);
  }

  /**
   * The ids listed more than once, each with the problem that answers its entries. An id may appear
   * once per request: two entries for one ECU cannot both be carried out.
   */
  public static Map<String, Problem> repeatedIds(Collection<String> ids) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String id : ids) {
      counts.merge(id, 1, Integer::sum);
    }
    Map<String, Problem> repeated = new LinkedHashMap<>();
    counts.forEach((id, n) -> {
      if (n > 1) {
        repeated.put(id, new Problem(Field.ECU_ID, "'" + id + "' is listed " + n + " times in one request"));
      }
    });
    return repeated;
  }

  /** Why {@code version} cannot be recorded, or empty when it can. An empty version is allowed. */
  public static Optional<Problem> version(String version) {
    if (version == null) {
      return problem(Field.VERSION, "version is missing");
    }
    if (version.length() > MAX_VERSION_LENGTH) {
      return problem(Field.VERSION,
          "version is " + version.length() + " characters, more than " + MAX_VERSION_LENGTH);
    }
    return controlCharacter(Field.VERSION, "version", version);
  }

  /**
   * Why a request id or release id cannot be recorded, or empty when it can. Empty is allowed (not
   * given); the ids end up in the slot's {@code version_detail}, status answers and logs, so they are
   * bounded and free of control characters.
   */
  public static Optional<Problem> identifier(Field field, String value) {
    if (value == null) {
      return Optional.empty();
    }
    if (value.length() > MAX_ID_LENGTH) {
      return problem(field, field.requestName() + " is " + value.length() + " characters, more than " + MAX_ID_LENGTH);
    }
    return controlCharacter(field, field.requestName(), value);
  }

  /** The first problem of the ids recorded beside a version: request id, release name, release id, image id. */
  public static Optional<Problem> detail(VersionDetail d) {
    return identifier(Field.REQUEST_ID, d.requestId())
        .or(() -> identifier(Field.RELEASE_NAME, d.releaseName()))
        .or(() -> identifier(Field.RELEASE_ID, d.releaseId()))
        .or(() -> identifier(Field.IMAGE_ID, d.imageId()));
  }

  /** Why {@code image} is no image location (see {@link ImageLocation#parse}), or empty when it is one. */
  public static Optional<Problem> image(String image) {
    return refusal(Field.IMAGE, () -> ImageLocation.parse(image));
  }

  /** As {@link #image}, and the location must be an http(s) URL: what the Update RPC accepts. */
  public static Optional<Problem> remoteImage(String url) {
    return refusal(Field.IMAGE, () -> ImageLocation.parseRemote(url));
  }

  /** Why {@code json} is not a request's cookies (see {@link Cookies#parse}), or empty when it is. */
  public static Optional<Problem> cookies(String json) {
    return refusal(Field.COOKIES, () -> Cookies.parse(json));
  }

  /** The first problem of an Update RPC entry's content (its id aside): version, url, cookies. */
  public static Optional<Problem> remoteEntry(String version, String url, String cookiesJson) {
    return version(version).or(() -> remoteImage(url)).or(() -> cookies(cookiesJson));
  }

  /** The first problem of a local update (any image location): version, image, cookies. */
  public static Optional<Problem> localEntry(String version, String image, String cookiesJson) {
    return version(version).or(() -> image(image)).or(() -> cookies(cookiesJson));
  }

  private static Optional<Problem> controlCharacter(Field field, String what, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        return problem(field, what + " contains the control character U+" + String.format("%04X", (int) c)
            + " at position " + i);
      }
    }
    return Optional.empty();
  }

  /** The refusal of the parser that owns the field's syntax, as a problem of that field. */
  private static Optional<Problem> refusal(Field field, Runnable parse) {
    try {
      parse.run();
      return Optional.empty();
    } catch (OtaException e) {
      return problem(field, e.detail());
    }
  }

  private static Optional<Problem> problem(Field field, String detail) {
    return Optional.of(new Problem(field, detail));
  }
}
