package dev.otaclient.internal.image.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.OtaException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IgnoreRulesTest {

  private static IgnoreRules rules(String... lines) {
    return IgnoreRules.parse(List.of(lines), "ignore.txt");
  }

  private static boolean file(IgnoreRules r, String path) {
    return r.isIgnored(path, false);
  }

  private static boolean dir(IgnoreRules r, String path) {
    return r.isIgnored(path, true);
  }

  @Test
  void commentsAndBlankLinesAreNotRules() {
    IgnoreRules r = rules("# a comment", "", "   ", "#*.o");
    assertThat(r.size()).isZero();
    assertThat(file(r, "x.o")).isFalse();
    assertThat(file(r, "# a comment")).isFalse();
  }

  @Test
  void escapedHashAndBangAreLiteral() {
    IgnoreRules r = rules("\\#notes", "\\!important");
    assertThat(r.size()).isEqualTo(2);
    assertThat(file(r, "#notes")).isTrue();
    assertThat(file(r, "sub/#notes")).isTrue();
    assertThat(file(r, "!important")).isTrue();
    assertThat(file(r, "important")).isFalse();
    assertThat(file(r, "notes")).isFalse();
  }

  @Test
  void plainNameMatchesAtAnyDepthFilesAndDirectories() {
    IgnoreRules r = rules("__pycache__");
    assertThat(dir(r, "__pycache__")).isTrue();
    assertThat(dir(r, "usr/lib/python3/__pycache__")).isTrue();
    assertThat(file(r, "a/__pycache__")).isTrue();
    assertThat(file(r, "usr/lib/python3/__pycache__/x.pyc")).isTrue();
    assertThat(file(r, "usr/__pycache__x")).isFalse();
    assertThat(file(r, "x__pycache__")).isFalse();
  }

  @Test
  void starDoesNotCrossSlashes() {
    IgnoreRules r = rules("*.log");
    assertThat(file(r, "a.log")).isTrue();
    assertThat(file(r, "var/log/syslog.log")).isTrue();
    assertThat(file(r, ".log")).isTrue();
    assertThat(file(r, "a.log.1")).isFalse();

    IgnoreRules anchored = rules("/var/*.tmp");
    assertThat(file(anchored, "var/x.tmp")).isTrue();
    assertThat(file(anchored, "var/sub/x.tmp")).isFalse();
  }

  @Test
  void questionMarkMatchesExactlyOneNonSlashCharacter() {
    IgnoreRules r = rules("/boot/vmlinuz-?.?");
    assertThat(file(r, "boot/vmlinuz-1.0")).isTrue();
    assertThat(file(r, "boot/vmlinuz-10.0")).isFalse();
    assertThat(file(r, "boot/vmlinuz-1/0")).isFalse();
    assertThat(file(r, "boot/vmlinuz-.0")).isFalse();
  }

  @Test
  void bracketClassesRangesAndNegation() {
    IgnoreRules r = rules("file[0-9].txt", "log[!ab].txt", "x[-_]y", "q[^z]");
    assertThat(file(r, "file3.txt")).isTrue();
    assertThat(file(r, "filea.txt")).isFalse();
    assertThat(file(r, "logc.txt")).isTrue();
    assertThat(file(r, "loga.txt")).isFalse();
    assertThat(file(r, "logb.txt")).isFalse();
    assertThat(file(r, "x-y")).isTrue();
    assertThat(file(r, "x_y")).isTrue();
    assertThat(file(r, "xay")).isFalse();
    assertThat(file(r, "qa")).isTrue();
    assertThat(file(r, "qz")).isFalse();
    // a negated class still never matches the separator
    assertThat(r.matches("log/.txt", false)).isFalse();
  }

  @Test
  void unterminatedBracketIsLiteral() {
    IgnoreRules r = rules("a[b");
    assertThat(file(r, "a[b")).isTrue();
    assertThat(file(r, "ab")).isFalse();
  }

  @Test
  void leadingSlashAnchorsToRoot() {
    IgnoreRules r = rules("/tmp");
    assertThat(dir(r, "tmp")).isTrue();
    assertThat(file(r, "tmp/x")).isTrue();
    assertThat(dir(r, "var/tmp")).isFalse();
    assertThat(file(r, "var/tmp/x")).isFalse();
  }

  @Test
  void innerSlashAlsoAnchors() {
    IgnoreRules r = rules("boot/grub");
    assertThat(dir(r, "boot/grub")).isTrue();
    assertThat(dir(r, "x/boot/grub")).isFalse();
  }

  @Test
  void trailingSlashMatchesDirectoriesOnly() {
    IgnoreRules r = rules(".git/", "/boot/ota/");
    assertThat(dir(r, ".git")).isTrue();
    assertThat(dir(r, "src/project/.git")).isTrue();
    assertThat(file(r, "src/.git")).isFalse(); // a file named .git (worktree link) stays
    assertThat(file(r, "src/project/.git/config")).isTrue(); // below an ignored directory
    assertThat(dir(r, "boot/ota")).isTrue();
    assertThat(file(r, "boot/ota")).isFalse();
    assertThat(dir(r, "x/boot/ota")).isFalse();
  }

  @Test
  void leadingDoubleStarMatchesInAllDirectories() {
    IgnoreRules r = rules("**/cache");
    assertThat(dir(r, "cache")).isTrue();
    assertThat(dir(r, "a/b/cache")).isTrue();
    assertThat(file(r, "a/cachex")).isFalse();
  }

  @Test
  void trailingDoubleStarMatchesEverythingInside() {
    IgnoreRules r = rules("/var/log/**");
    assertThat(file(r, "var/log/syslog")).isTrue();
    assertThat(file(r, "var/log/a/b/c")).isTrue();
    assertThat(dir(r, "var/log")).isFalse(); // the directory itself stays listed
  }

  @Test
  void innerDoubleStarMatchesZeroOrMoreDirectories() {
    IgnoreRules r = rules("a/**/b");
    assertThat(file(r, "a/b")).isTrue();
    assertThat(file(r, "a/x/b")).isTrue();
    assertThat(file(r, "a/x/y/b")).isTrue();
    assertThat(file(r, "a/xb")).isFalse();
    assertThat(file(r, "z/a/x/b")).isFalse();
  }

  @Test
  void otherStarRunsBehaveLikeOneStar() {
    IgnoreRules r = rules("/foo**bar");
    assertThat(file(r, "fooXbar")).isTrue();
    assertThat(file(r, "foo/bar")).isFalse();
  }

  @Test
  void negationReincludesAndLastMatchWins() {
    IgnoreRules r = rules("*.log", "!keep.log", "/var/keep.log");
    assertThat(file(r, "a.log")).isTrue();
    assertThat(file(r, "keep.log")).isFalse();
    assertThat(file(r, "etc/keep.log")).isFalse();
    assertThat(file(r, "var/keep.log")).isTrue(); // a later rule ignores it again
  }

  @Test
  void negationCannotReincludeBelowIgnoredDirectory() {
    IgnoreRules r = rules("/build/", "!/build/keep.so");
    assertThat(file(r, "build/keep.so")).isTrue();
    // matches() alone looks at the path itself only, which a pruning walker relies on
    assertThat(r.matches("build/keep.so", false)).isFalse();

    IgnoreRules contents = rules("/build/*", "!/build/keep.so");
    assertThat(dir(contents, "build")).isFalse();
    assertThat(file(contents, "build/keep.so")).isFalse();
    assertThat(file(contents, "build/other.o")).isTrue();
  }

  @Test
  void negatedDirectoryOnlyRule() {
    IgnoreRules r = rules("cache*", "!cache-keep/");
    assertThat(dir(r, "cache-keep")).isFalse();
    assertThat(file(r, "cache-keep")).isTrue();
    assertThat(dir(r, "cache-other")).isTrue();
  }

  @Test
  void trailingSpacesTrimmedUnlessEscaped() {
    IgnoreRules r = rules("name   ", "sp\\ ");
    assertThat(file(r, "name")).isTrue();
    assertThat(file(r, "name ")).isFalse();
    assertThat(file(r, "sp ")).isTrue();
    assertThat(file(r, "sp")).isFalse();
  }

  @Test
  void backslashEscapesGlobCharacters() {
    IgnoreRules r = rules("what\\?", "star\\*");
    assertThat(file(r, "what?")).isTrue();
    assertThat(file(r, "whatx")).isFalse();
    assertThat(file(r, "star*")).isTrue();
    assertThat(file(r, "starx")).isFalse();
  }

  @Test
  void regexMetacharactersAreLiteral() {
    IgnoreRules r = rules("a.b+(c)", "'/etc/hosts'");
    assertThat(file(r, "a.b+(c)")).isTrue();
    assertThat(file(r, "aXb+(c)")).isFalse();
    // the Python generator's quoted entries only match names that really contain quotes
    assertThat(file(r, "etc/hosts")).isFalse();
  }

  @Test
  void leadingSlashOnQueriedPathIsIgnored() {
    IgnoreRules r = rules("/etc/shadow");
    assertThat(file(r, "/etc/shadow")).isTrue();
    assertThat(file(r, "etc/shadow")).isTrue();
    assertThat(file(r, "/")).isFalse();
  }

  @Test
  void nonAsciiNames() {
    IgnoreRules r = rules("ファイル*");
    assertThat(file(r, "dir/ファイル名")).isTrue();
    assertThat(file(r, "dir/名ファイル")).isFalse();
  }

  @Test
  void loadReadsFileAndDanglingBackslashIsAnError(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("ignore.txt");
    Files.writeString(f, "# defaults\n/tmp\n__pycache__/\n", StandardCharsets.UTF_8);
    IgnoreRules r = IgnoreRules.load(f);
    assertThat(r.size()).isEqualTo(2);
    assertThat(dir(r, "tmp")).isTrue();
    assertThat(dir(r, "a/__pycache__")).isTrue();

    assertThatThrownBy(() -> rules("ok", "bad\\"))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("ignore.txt:2:");
    assertThatThrownBy(() -> IgnoreRules.load(tmp.resolve("missing.txt")))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("missing.txt");
  }
}
