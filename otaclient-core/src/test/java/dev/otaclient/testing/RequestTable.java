package dev.otaclient.testing;

import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import java.util.List;

/**
 * Update request entries and the verdict every path must reach on them: the rules themselves, the
 * ECU tree behind the gRPC service, and {@code otaclient update} before it sends anything. One table,
 * so that a path that decides differently shows as a failing row.
 */
public final class RequestTable {
  public static final String URL = "http://10.0.0.1:8080/v2/";

  private RequestTable() {}

  /** One entry of an Update request and whether it must be accepted. */
  public record Row(String name, String ecuId, String version, String url, String cookies, boolean accepted) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Row ok(String name, String ecuId, String version, String url, String cookies) {
    return new Row(name, ecuId, version, url, cookies, true);
  }

  private static Row refused(String name, String ecuId, String version, String url, String cookies) {
    return new Row(name, ecuId, version, url, cookies, false);
  }

  public static List<Row> rows() {
    String longestUrl = "https://10.0.0.1/" + "x".repeat(8 * 1024 - 17);
    return List.of(
        ok("a plain entry", "main", "2.0", URL, "{}"),
        ok("an empty version", "main", "", URL, "{}"),
        ok("version at the length limit", "main", "v".repeat(256), URL, "{}"),
        refused("version over the length limit", "main", "v".repeat(257), URL, "{}"),
        refused("version with a newline", "main", "2\n0", URL, "{}"),
        refused("version with NUL", "main", "2\u00000", URL, "{}"),
        refused("version with DEL (0x7f)", "main", "2\u007f0", URL, "{}"),
        refused("version with NEL (0x85)", "main", "2\u00850", URL, "{}"),
        ok("version with U+2028", "main", "2\u20280", URL, "{}"),
        ok("version with non-ASCII letters", "main", "\u00e9t\u00e9-2", URL, "{}"),
        refused("empty ecu id", "", "2.0", URL, "{}"),
        ok("ecu id at the length limit", "e".repeat(128), "2.0", URL, "{}"),
        refused("ecu id over the length limit", "e".repeat(129), "2.0", URL, "{}"),
        refused("ecu id with a tab", "a\tb", "2.0", URL, "{}"),
        refused("ecu id with DEL (0x7f)", "a\u007fb", "2.0", URL, "{}"),
        refused("ecu id with NEL (0x85)", "a\u0085b", "2.0", URL, "{}"),
        ok("ecu id with U+2028", "a\u2028b", "2.0", URL, "{}"),
        ok("https url", "main", "2.0", "HTTPS://10.0.0.1/v2", "{}"),
        ok("url at the length limit", "main", "2.0", longestUrl, "{}"),
        refused("url over the length limit", "main", "2.0", longestUrl + "x", "{}"),
        refused("empty url", "main", "2.0", "", "{}"),
        refused("ftp url", "main", "2.0", "ftp://10.0.0.1/v2/", "{}"),
        refused("file url", "main", "2.0", "file:///srv/v2/", "{}"),
        refused("local path", "main", "2.0", "/srv/v2/", "{}"),
        refused("url without host", "main", "2.0", "http:///v2/", "{}"),
        refused("url with a space in the host", "main", "2.0", "http://a b/v2/", "{}"),
        refused("url with a query", "main", "2.0", URL + "?token=1", "{}"),
        refused("url with NEL (0x85)", "main", "2.0", URL + "a\u0085b/", "{}"),
        ok("cookies", "main", "2.0", URL, "{\"session\":\"abc\",\"n\":1}"),
        refused("empty cookies", "main", "2.0", URL, ""),
        refused("cookies not JSON", "main", "2.0", URL, "session=abc"),
        refused("cookies a JSON array", "main", "2.0", URL, "[]"),
        refused("cookie value with NEL (0x85)", "main", "2.0", URL, "{\"a\":\"\u0085\"}"),
        refused("cookies over the length limit", "main", "2.0", URL, "{\"a\":\"" + "c".repeat(64 * 1024) + "\"}"));
  }

  /** The request that carries the row to an ECU tree whose only ECU is "main". */
  public static List<UpdateRequestEcu> request(Row row) {
    UpdateRequestEcu entry = new UpdateRequestEcu(row.ecuId(), row.version(), row.url(), row.cookies());
    if (row.ecuId().equals("main")) {
      return List.of(entry);
    }
    // another id: main gets a valid entry, so that the row's id is answered only when it is refused
    return List.of(entry, new UpdateRequestEcu("main", "2.0", URL, "{}"));
  }

  /** The tree's verdict on the row, from its answer to {@link #request}. */
  public static boolean acceptedBy(Row row, List<EcuResult> answer) {
    boolean mainStarted = answer.contains(new EcuResult("main", FailureType.NO_FAILURE));
    boolean rowRefused = answer.stream().anyMatch(r -> r.ecuId().equals(row.ecuId()) && r.result() != FailureType.NO_FAILURE);
    return mainStarted && !rowRefused;
  }
}
