package dev.otaclient.ecu;

import dev.otaclient.error.OtaException;
import dev.otaclient.fetch.Cookies;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The input checks of the Update and Rollback RPCs, done before anything is forwarded or started.
 * Entries whose id itself is unusable are answered by the ECU that receives them ({@link #badIds});
 * entries with a usable id but bad content are answered by the ECU they name ({@link #problem}).
 */
final class RequestCheck {
  /** Versions are short labels; this bound only refuses absurd input. */
  static final int MAX_VERSION_LENGTH = 256;
  /** Image URLs are short; 8 KiB is the common HTTP request-line limit anyway. */
  static final int MAX_URL_LENGTH = 8 * 1024;

  private final Map<String, String> problems;
  private final List<String> badIds;

  private RequestCheck(Map<String, String> problems, List<String> badIds) {
    this.problems = problems;
    this.badIds = badIds;
  }

  static RequestCheck ofUpdate(List<UpdateRequestEcu> request) {
    Map<String, String> problems = new HashMap<>();
    Map<String, Integer> counts = countIds(request.stream().map(UpdateRequestEcu::ecuId).toList());
    List<String> badIds = new ArrayList<>();
    for (UpdateRequestEcu e : request) {
      Optional<String> idProblem = EcuIds.problem(e.ecuId());
      if (idProblem.isPresent()) {
        badIds.add(e.ecuId());
        continue;
      }
      if (counts.get(e.ecuId()) > 1) {
        problems.put(e.ecuId(), "listed " + counts.get(e.ecuId()) + " times in one request");
        continue;
      }
      entryProblem(e).ifPresent(p -> problems.put(e.ecuId(), p));
    }
    return new RequestCheck(problems, badIds);
  }

  static RequestCheck ofRollback(List<String> ecuIds) {
    Map<String, String> problems = new HashMap<>();
    Map<String, Integer> counts = countIds(ecuIds);
    List<String> badIds = new ArrayList<>();
    for (String id : ecuIds) {
      if (EcuIds.problem(id).isPresent()) {
        badIds.add(id);
      } else if (counts.get(id) > 1) {
        problems.put(id, "listed " + counts.get(id) + " times in one request");
      }
    }
    return new RequestCheck(problems, badIds);
  }

  private static Map<String, Integer> countIds(List<String> ids) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String id : ids) {
      counts.merge(id, 1, Integer::sum);
    }
    return counts;
  }

  private static Optional<String> entryProblem(UpdateRequestEcu e) {
    if (e.version().length() > MAX_VERSION_LENGTH) {
      return Optional.of("version is " + e.version().length() + " characters, more than " + MAX_VERSION_LENGTH);
    }
    for (int i = 0; i < e.version().length(); i++) {
      if (Character.isISOControl(e.version().charAt(i))) {
        return Optional.of("version contains a control character");
      }
    }
    if (e.url().length() > MAX_URL_LENGTH) {
      return Optional.of("url is " + e.url().length() + " characters, more than " + MAX_URL_LENGTH);
    }
    Optional<String> urlProblem = urlProblem(e.url());
    if (urlProblem.isPresent()) {
      return urlProblem;
    }
    try {
      Cookies.parse(e.cookies());
    } catch (OtaException ex) {
      return Optional.of(ex.detail());
    }
    return Optional.empty();
  }

  private static Optional<String> urlProblem(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException ex) {
      return Optional.of("url is not a valid URL: " + ex.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("url must be http or https, got '" + (scheme.isEmpty() ? url : scheme + ":") + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return Optional.of("url has no host");
    }
    return Optional.empty();
  }

  /** Why the entry for {@code ecuId} must be refused, or empty when it may proceed. */
  Optional<String> problem(String ecuId) {
    return Optional.ofNullable(problems.get(ecuId));
  }

  /** Ids that are empty, absurdly long or contain control characters: answered where received. */
  List<String> badIds() {
    return badIds;
  }

  boolean isBadId(String id) {
    return EcuIds.problem(id).isPresent();
  }
}
