package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImagePathTest {
  @ParameterizedTest
  @ValueSource(strings = {"/etc", "/a/b/c", "/.hidden", "/..data", "/a/...", "/a/.b/c.", "/sp ace/'q'",
      "/path;adf.ae?qu.er\\y=str#fragファイルement", "/boot"})
  void validPathsAreReturnedUnchanged(String path) {
    assertThat(ImagePath.check(path)).isSameAs(path);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "etc/passwd     | path is not absolute: \"etc/passwd\"",
      "./etc          | path is not absolute: \"./etc\"",
      "/              | path is the root directory itself",
      "/a//b          | path has an empty component ('//'): \"/a//b\"",
      "//a            | path has an empty component ('//'): \"//a\"",
      "/a/            | path ends with '/': \"/a/\"",
      "/a/./b         | path has a '.' component: \"/a/./b\"",
      "/.             | path has a '.' component: \"/.\"",
      "/a/..          | path has a '..' component: \"/a/..\"",
      "/../etc/shadow | path has a '..' component: \"/../etc/shadow\"",
  })
  void invalidPathsAreRejectedWithTheirReason(String path, String reason) {
    assertThatThrownBy(() -> ImagePath.check(path))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(reason);
  }

  @Test
  void emptyAndNull() {
    assertThatThrownBy(() -> ImagePath.check("")).hasMessage("empty path");
    assertThatThrownBy(() -> ImagePath.check(null)).hasMessage("empty path");
  }

  @Test
  void nulIsRejectedAndEscapedInTheMessage() {
    assertThatThrownBy(() -> ImagePath.check("/a\0b")).hasMessage("path contains NUL: \"/a\\x00b\"");
  }

  @Test
  void lengthIsCountedInUtf8Bytes() {
    String ascii4096 = "/" + "a".repeat(4095);
    assertThat(ImagePath.check(ascii4096)).isEqualTo(ascii4096);
    assertThatThrownBy(() -> ImagePath.check(ascii4096 + "b")).hasMessage("path longer than 4096 bytes");
    // 2 049 chars but 4 097 bytes
    String twoByte = "/" + "é".repeat(2048);
    assertThat(twoByte.length()).isEqualTo(2049);
    assertThatThrownBy(() -> ImagePath.check(twoByte)).hasMessage("path longer than 4096 bytes");
    // a supplementary character is 4 bytes (2 chars)
    assertThat(ImagePath.utf8Length("/😀")).isEqualTo(5);
    assertThat(ImagePath.utf8Length("/ファ")).isEqualTo(7);
  }

  @Test
  void controlCharactersCannotForgeLogLines() {
    assertThatThrownBy(() -> ImagePath.check("a\nINFO fake"))
        .hasMessage("path is not absolute: \"a\\x0aINFO fake\"");
  }
}
