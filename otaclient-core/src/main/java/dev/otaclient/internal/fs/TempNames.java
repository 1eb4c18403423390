package dev.otaclient.internal.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one naming scheme for a file written under a temporary name beside its target and renamed
 * over it: {@code .<name>.tmp<digits>}. Making the names and recognising the ones a crash left
 * behind live here together, so a sweep at start-up finds exactly what the writers create.
 */
public final class TempNames {
  private static final Logger log = LoggerFactory.getLogger(TempNames.class);
  private static final Pattern ANY = Pattern.compile("\\..+\\.tmp[0-9]+");
  /** Linux NAME_MAX, in bytes. */
  private static final int NAME_MAX = 255;
  /** Room left for the name: the dot, ".tmp" and the 19 digits a long can have. */
  private static final int NAME_BUDGET = NAME_MAX - 1 - 4 - 19;
  /**
   * Unique within this process whatever the thread; a random start makes a collision with the
   * leftover of an earlier run unlikely (the writers create their temp names exclusively anyway).
   */
  private static final AtomicLong NEXT = new AtomicLong(ThreadLocalRandom.current().nextLong(1L << 40));

  private TempNames() {}

  /** A fresh temporary name in the directory of {@code target}, for a write renamed over it. */
  public static Path beside(Path target) {
    Path name = target.getFileName();
    if (name == null) {
      throw new IllegalArgumentException("no file name in " + target);
    }
    return target.resolveSibling(prefix(name.toString()) + NEXT.getAndIncrement());
  }

  /** Whether {@code fileName} has the shape of a temporary name of any target. */
  public static boolean isTemp(String fileName) {
    return ANY.matcher(fileName).matches();
  }

  /** Whether {@code fileName} is a temporary name that {@link #beside} makes for {@code target}. */
  public static boolean isTempOf(String fileName, Path target) {
    return hasPrefixThenDigits(fileName, prefix(target.getFileName().toString()));
  }

  private static boolean hasPrefixThenDigits(String fileName, String prefix) {
    return fileName.length() > prefix.length() && fileName.startsWith(prefix)
        && fileName.substring(prefix.length()).chars().allMatch(c -> c >= '0' && c <= '9');
  }

  /**
   * Deletes the temporary names in {@code dir} that a crash or power cut left between a write and
   * its rename. Only for directories whose every file is written through a temporary name of this
   * class, and only where no write is in progress (start-up). Returns how many were removed.
   */
  public static int removeLeftovers(Path dir) {
    return removeMatching(dir, TempNames::isTemp);
  }

  /** The same for the temporary names of one file, in a directory shared with others (/etc/default). */
  public static int removeLeftoversOf(Path file) {
    Path absolute = file.toAbsolutePath();
    String prefix = prefix(absolute.getFileName().toString());
    return removeMatching(absolute.getParent(), n -> hasPrefixThenDigits(n, prefix));
  }

  private static int removeMatching(Path dir, Predicate<String> names) {
    if (dir == null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    int n = 0;
    try (var entries = Files.newDirectoryStream(dir, p -> names.test(p.getFileName().toString()))) {
      for (Path p : entries) {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(p)) {
          n++;
        }
      }
    } catch (IOException e) {
      log.warn("cannot remove leftover temporary files in {}: {}", dir, e.toString());
    }
    return n;
  }

  /**
   * {@code .<name>.tmp}, the name cut short where the whole would pass NAME_MAX: image paths may use
   * all 255 bytes, and their temporary names must still be valid.
   */
  private static String prefix(String name) {
    if (name.length() <= NAME_BUDGET / 3) {
      return "." + name + ".tmp"; // at most three UTF-8 bytes a char: fits
    }
    CharBuffer in = CharBuffer.wrap(name);
    // the encoder stops at a whole character when the budget is full
    StandardCharsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE)
        .encode(in, ByteBuffer.allocate(NAME_BUDGET), true);
    return "." + name.substring(0, in.position()) + ".tmp";
  }
}
