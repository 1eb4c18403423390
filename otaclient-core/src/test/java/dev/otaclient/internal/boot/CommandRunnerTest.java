package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRunnerTest {
  @TempDir Path dir;

  static Path script(Path dir, String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void extraEnvironmentReachesTheCommandAndAFailureIsStillTyped() throws IOException {
    script(dir, "fk", "[ \"$FK_FORCE\" = yes ] && echo forced || { echo refused >&2; exit 3; }");
    CommandRunner r = CommandRunner.withPrefix(dir);
    assertThat(r.run(ErrorCode.POST_UPDATE, Map.of("FK_FORCE", "yes"), List.of("fk")).stdout()).isEqualTo("forced\n");
    assertThatThrownBy(() -> r.run(ErrorCode.POST_UPDATE, List.of("fk")))
        .isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.POST_UPDATE))
        .hasMessageContaining("refused");
  }

  @Test
  void prefixDirectoryWinsOverPathAndIsInheritedByChildren() throws IOException {
    script(dir, "lsblk", "echo fake-lsblk \"$@\"");
    script(dir, "outer", "lsblk inner");
    CommandRunner r = CommandRunner.withPrefix(dir);
    assertThat(r.run(ErrorCode.PRE_UPDATE, "lsblk", "-n").stdout()).isEqualTo("fake-lsblk -n\n");
    assertThat(r.run(ErrorCode.PRE_UPDATE, "outer").stdout()).isEqualTo("fake-lsblk inner\n");
    // not faked: the real one from PATH
    assertThat(r.run(ErrorCode.PRE_UPDATE, "echo", "real").stdout()).isEqualTo("real\n");
  }

  @Test
  void overrideMapReplacesACommand() throws IOException {
    Path fake = script(dir, "anything", "echo overridden");
    CommandRunner r = new CommandRunner(List.of(), Map.of("reboot", fake), Duration.ofSeconds(10));
    assertThat(r.run(ErrorCode.POST_UPDATE, "reboot").stdout()).isEqualTo("overridden\n");
  }

  @Test
  void nonZeroExitBecomesTypedErrorWithStderr() throws IOException {
    script(dir, "mkfs.ext4", "echo 'device is busy' >&2; exit 3");
    CommandRunner r = CommandRunner.withPrefix(dir);
    assertThatThrownBy(() -> r.run(ErrorCode.PRE_UPDATE, "mkfs.ext4", "/dev/sda3"))
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.PRE_UPDATE);
          assertThat(e.module()).isEqualTo(ErrorModule.BOOT_CONTROL);
          assertThat(e.failureType()).isEqualTo(FailureType.UNRECOVERABLE);
          assertThat(e.detail()).isEqualTo("`mkfs.ext4 /dev/sda3` exited with 3: device is busy");
          assertThat(e.failureReason()).startsWith("E2-0101-303: ");
        });
  }

  @Test
  void allowingFailureReturnsTheExitCode() throws IOException {
    script(dir, "nvbootctrl", "echo out; echo err >&2; exit 1");
    CommandResult res = CommandRunner.withPrefix(dir).runAllowingFailure(ErrorCode.POST_UPDATE, List.of("nvbootctrl", "x"));
    assertThat(res.exitCode()).isEqualTo(1);
    assertThat(res.succeeded()).isFalse();
    assertThat(res.stdout()).isEqualTo("out\n");
    assertThat(res.stderr()).isEqualTo("err\n");
  }

  @Test
  void missingCommandAndTimeoutAreErrors() throws IOException {
    CommandRunner r = new CommandRunner(List.of(dir), Map.of(), Duration.ofMillis(300));
    assertThatThrownBy(() -> r.run(ErrorCode.POST_UPDATE, "no-such-command-xyz"))
        .isInstanceOf(OtaException.class).hasMessageContaining("cannot start `no-such-command-xyz`");
    script(dir, "hang", "sleep 30");
    assertThatThrownBy(() -> r.run(ErrorCode.PRE_ROLLBACK, "hang"))
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.detail()).isEqualTo("`hang` timed out after 300ms");
          assertThat(e.failureReason()).startsWith("E2-0201-307");
        });
  }
}
