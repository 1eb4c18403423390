package dev.otaclient.internal.image.build;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A gitignore-syntax matcher for paths relative to the image root, as the Python generator's
 * {@code --ignore-file} used. Supported: {@code #} comments, blank lines, {@code !} negation, escaped
 * {@code \#} / {@code \!} / {@code \ } (trailing space), {@code *}, {@code ?}, {@code [...]} classes
 * (with {@code !} or {@code ^} negation), {@code **} in the leading / middle / trailing forms, a
 * leading or inner {@code /} anchoring the pattern to the root, and a trailing {@code /} restricting
 * it to directories. The last matching rule wins; as in git, nothing below an ignored directory can
 * be re-included (see {@link #isIgnored}).
 */
final class IgnoreRules {
  private static final IgnoreRules NONE = new IgnoreRules(List.of());

  private final List<Rule> rules;

  private IgnoreRules(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** Rules that ignore nothing. */
  public static IgnoreRules none() {
    return NONE;
  }

  /** Parses the given lines; {@code source} names the file in error messages. */
  public static IgnoreRules parse(List<String> lines, String source) {
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Rule rule = Rule.parse(lines.get(i), source, i + 1);
      if (rule != null) {
        rules.add(rule);
      }
    }
    return new IgnoreRules(rules);
  }

  /** Parses the rules in a gitignore-syntax file (UTF-8). */
  public static IgnoreRules load(Path file) {
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    } catch (IOException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          file + ": cannot read ignore file: " + e.getMessage(), e);
    }
    return parse(lines, file.getFileName() == null ? file.toString() : file.getFileName().toString());
  }

  /** Number of effective (non-blank, non-comment) rules. */
  public int size() {
    return rules.size();
  }

  /**
   * Whether {@code relativePath} itself is matched by the rules (last matching rule decides), without
   * looking at its parent directories. A walker that prunes ignored directories needs only this.
   *
   * @param relativePath path below the root, {@code /}-separated; a leading {@code /} is ignored
   * @param directory whether the path is a directory (for trailing-{@code /} patterns)
   */
  public boolean matches(String relativePath, boolean directory) {
    String path = trimSlashes(relativePath);
    if (path.isEmpty()) {
      return false;
    }
    boolean ignored = false;
    for (Rule rule : rules) {
      if (ignored == rule.negated && rule.matches(path, directory)) {
        ignored = !rule.negated;
      }
    }
    return ignored;
  }

  /**
   * Whether {@code relativePath} is ignored, either by itself or because one of its parent directories
   * is (git cannot re-include a file whose parent directory is excluded).
   */
  public boolean isIgnored(String relativePath, boolean directory) {
    String path = trimSlashes(relativePath);
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      if (matches(path.substring(0, slash), true)) {
        return true;
      }
    }
    return matches(path, directory);
  }

  private static String trimSlashes(String p) {
    int start = 0;
    int end = p.length();
    while (start < end && p.charAt(start) == '/') {
      start++;
    }
    while (end > start && p.charAt(end - 1) == '/') {
      end--;
    }
    return p.substring(start, end);
  }

  /** One compiled pattern line. */
  private record Rule(Pattern regex, boolean negated, boolean directoryOnly, String text) {

    boolean matches(String path, boolean directory) {
      if (directoryOnly && !directory) {
        return false;
      }
      return regex.matcher(path).matches();
    }

    /** Returns null for blank and comment lines. */
    static Rule parse(String raw, String source, int lineNo) {
      String line = stripTrailingSpaces(raw);
      if (line.isEmpty() || line.startsWith("#")) {
        return null;
      }
      boolean negated = false;
      if (line.startsWith("!")) {
        negated = true;
        line = line.substring(1);
      }
      boolean directoryOnly = false;
      // a trailing unescaped '/' restricts the rule to directories; it does not anchor by itself
      if (line.endsWith("/") && !line.endsWith("\\/")) {
        directoryOnly = true;
        while (line.endsWith("/")) {
          line = line.substring(0, line.length() - 1);
        }
      }
      if (line.isEmpty()) {
        return null; // "/" or "!" alone: matches nothing, as in git
      }
      boolean anchored = line.indexOf('/') >= 0;
      if (line.startsWith("/")) {
        line = line.substring(1);
      }
      String regex;
      try {
        regex = (anchored ? "" : "(?:.*/)?") + translate(line, source, lineNo);
        return new Rule(Pattern.compile(regex, Pattern.DOTALL), negated, directoryOnly, raw);
      } catch (PatternSyntaxException e) {
        throw invalid(source, lineNo, raw, e.getDescription());
      }
    }

    /** Trailing spaces are dropped unless escaped with a backslash. */
    private static String stripTrailingSpaces(String raw) {
      int end = raw.length();
      while (end > 0 && raw.charAt(end - 1) == ' ') {
        int backslashes = 0;
        for (int i = end - 2; i >= 0 && raw.charAt(i) == '\\'; i--) {
          backslashes++;
        }
        if (backslashes % 2 == 1) {
          break; // "\ " keeps this space
        }
        end--;
      }
      return raw.substring(0, end);
    }

    /** Glob (already stripped of '!', anchoring '/' and trailing '/') to a java regex. */
    private static String translate(String glob, String source, int lineNo) {
      StringBuilder out = new StringBuilder();
      int n = glob.length();
      int i = 0;
      while (i < n) {
        char c = glob.charAt(i);
        if (c == '*') {
          int run = 1;
          while (i + run < n && glob.charAt(i + run) == '*') {
            run++;
          }
          boolean segmentStart = i == 0 || glob.charAt(i - 1) == '/';
          boolean segmentEnd = i + run == n || glob.charAt(i + run) == '/';
          if (run == 2 && segmentStart && segmentEnd) {
            if (i + run == n) {
              // trailing "/**" (or a bare "**"): everything below, at any depth
              out.append(".*");
            } else {
              // leading "**/" or inner "/**/": zero or more whole directories
              out.append("(?:.*/)?");
              i++; // also consume the '/' after "**"
            }
          } else {
            out.append("[^/]*"); // other runs of '*' behave like one '*'
          }
          i += run;
        } else if (c == '?') {
          out.append("[^/]");
          i++;
        } else if (c == '[') {
          int close = classEnd(glob, i);
          if (close < 0) {
            out.append("\\[");
            i++;
          } else {
            out.append(translateClass(glob.substring(i + 1, close)));
            i = close + 1;
          }
        } else if (c == '\\') {
          if (i + 1 >= n) {
            throw invalid(source, lineNo, glob, "dangling backslash at end of pattern");
          }
          out.append(Pattern.quote(String.valueOf(glob.charAt(i + 1))));
          i += 2;
        } else {
          out.append(Pattern.quote(String.valueOf(c)));
          i++;
        }
      }
      return out.toString();
    }

    /** Index of the ']' closing the class opened at {@code open}, or -1 if unterminated. */
    private static int classEnd(String glob, int open) {
      int i = open + 1;
      if (i < glob.length() && (glob.charAt(i) == '!' || glob.charAt(i) == '^')) {
        i++;
      }
      if (i < glob.length() && glob.charAt(i) == ']') {
        i++; // a ']' first in the class is literal
      }
      while (i < glob.length()) {
        char c = glob.charAt(i);
        if (c == '\\') {
          i += 2;
          continue;
        }
        if (c == ']') {
          return i;
        }
        i++;
      }
      return -1;
    }

    private static String translateClass(String body) {
      StringBuilder cls = new StringBuilder();
      int i = 0;
      boolean negated = !body.isEmpty() && (body.charAt(0) == '!' || body.charAt(0) == '^');
      if (negated) {
        i = 1;
      }
      int first = i;
      for (; i < body.length(); i++) {
        char c = body.charAt(i);
        if (c == '\\' && i + 1 < body.length()) {
          i++;
          appendClassLiteral(cls, body.charAt(i));
        } else if (c == '-' && i > first && i < body.length() - 1) {
          cls.append('-'); // a range such as a-z; a '-' first or last is literal
        } else {
          appendClassLiteral(cls, c);
        }
      }
      // a class never matches the path separator
      return negated ? "[^/" + cls + "]" : "(?!/)[" + cls + "]";
    }

    private static void appendClassLiteral(StringBuilder cls, char c) {
      if (Character.isLetterOrDigit(c)) {
        cls.append(c); // escaping a letter would turn it into a regex class such as \d
      } else {
        cls.append('\\').append(c); // '[', '&', '^', ']', '-', backslash taken literally
      }
    }

    private static OtaException invalid(String source, int lineNo, String line, String reason) {
      return new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          source + ":" + lineNo + ": invalid ignore pattern '" + line + "': " + reason);
    }
  }
}
