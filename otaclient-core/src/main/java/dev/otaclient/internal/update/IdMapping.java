package dev.otaclient.internal.update;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates numeric owners between two systems by name (reference §2.8): uid -> user name in the
 * old {@code /etc/passwd}, then name -> uid in the new one; the same for groups. When either lookup
 * fails the number is kept.
 */
final class IdMapping {
  private final Map<Long, Long> uids;
  private final Map<Long, Long> gids;

  private IdMapping(Map<Long, Long> uids, Map<Long, Long> gids) {
    this.uids = uids;
    this.gids = gids;
  }

  static IdMapping between(Path oldRoot, Path newRoot) {
    return new IdMapping(
        map(read(oldRoot.resolve("etc/passwd")), read(newRoot.resolve("etc/passwd"))),
        map(read(oldRoot.resolve("etc/group")), read(newRoot.resolve("etc/group"))));
  }

  long uid(long oldUid) {
    return uids.getOrDefault(oldUid, oldUid);
  }

  long gid(long oldGid) {
    return gids.getOrDefault(oldGid, oldGid);
  }

  private static Map<Long, Long> map(Map<Long, String> oldIdToName, Map<Long, String> newIdToName) {
    Map<String, Long> newByName = new HashMap<>();
    newIdToName.forEach((id, name) -> newByName.putIfAbsent(name, id));
    Map<Long, Long> m = new HashMap<>();
    oldIdToName.forEach((id, name) -> {
      Long n = newByName.get(name);
      if (n != null) {
        m.put(id, n);
      }
    });
    return m;
  }

  /** id -> name from a passwd/group style file ({@code name:x:id:...}); unreadable -> empty. */
  private static Map<Long, String> read(Path file) {
    Map<Long, String> m = new HashMap<>();
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return m;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return m;
    }
    for (String line : lines) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(":", -1);
      if (f.length < 3) {
        continue;
      }
      try {
        m.putIfAbsent(Long.parseLong(f[2]), f[0]);
      } catch (NumberFormatException e) {
        // malformed line: skip it, as getpwuid would
      }
    }
    return m;
  }
}
