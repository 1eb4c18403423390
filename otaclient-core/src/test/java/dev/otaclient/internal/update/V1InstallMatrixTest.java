package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.fs.PosixCalls;
import dev.otaclient.internal.image.v1.V1ImageBuilder;
import dev.otaclient.internal.image.v1.ZipArtifact;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.SpecImage;
import dev.otaclient.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The "done when" in one matrix: an OTA image v1 made by our builder and one laid out by hand
 * exactly as the spec describes ({@link SpecImage}) each install bit-exact (content, modes, owners,
 * links, xattrs) from nginx, from a directory and from the ZIP artifact, as a full install, as a delta
 * (the active slot already holds the image: every content is copied, none fetched) and in place (the
 * standby holds an edited earlier build of it).
 */
class V1InstallMatrixTest {
  enum Image { BUILDER, SPEC }

  enum Source { NGINX, DIRECTORY, ZIP }

  enum Mode { FULL, DELTA, IN_PLACE }

  @TempDir static Path shared;
  static SignedImageFixture fixture;
  static Path builderRootfs;
  static Path specExpected;
  static Nginx nginx;

  @BeforeAll
  static void images() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    fixture = SignedImageFixture.create("matrix", shared);
    builderRootfs = V1UpdateTest.extras(SampleRootfs.create(shared.resolve("rootfs")));
    V1ImageBuilder.into(www(Image.BUILDER))
        .payload(new V1ImageBuilder.PayloadSpec("main", "dev", builderRootfs, List.of()))
        .sliceSize(64 * 1024)
        .signWith(fixture.ca().signingKey(), List.of(fixture.ca().signingCert(), fixture.ca().intermediateCert()))
        .build();
    new SpecImage().write(www(Image.SPEC), fixture.ca());
    specExpected = shared.resolve("spec-expected");
    SpecImage.expectedTree(specExpected);
    PosixCalls.setXattr(specExpected.resolve("etc/a"), "user.k", "v".getBytes(StandardCharsets.US_ASCII));
    for (Image i : Image.values()) {
      ZipArtifact.pack(www(i), shared.resolve(i + ".zip"));
    }
    nginx = Nginx.serve(shared.resolve("www"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (nginx != null) {
      nginx.close();
    }
  }

  static Path www(Image i) {
    return shared.resolve("www").resolve(i.name().toLowerCase());
  }

  static String location(Image i, Source s) {
    return switch (s) {
      case NGINX -> nginx.imageUrl(i.name().toLowerCase());
      case DIRECTORY -> www(i).toString();
      case ZIP -> shared.resolve(i + ".zip").toString();
    };
  }

  static Stream<Arguments> combinations() {
    return Stream.of(Image.values()).flatMap(i -> Stream.of(Source.values())
        .flatMap(s -> Stream.of(Mode.values()).map(m -> Arguments.of(i, s, m))));
  }

  @ParameterizedTest(name = "{0} image from {1}, {2}")
  @MethodSource("combinations")
  void installsBitExact(Image image, Source source, Mode mode, @TempDir Path tmp) throws IOException {
    String url = location(image, source);
    Path active = tmp.resolve("a");
    Path standby = tmp.resolve("b");
    Files.createDirectories(active);
    if (mode == Mode.DELTA) {
      assertThat(install(new TestSlots(tmp.resolve("empty"), active), url).status()).isEqualTo(OtaStatus.SUCCESS);
    } else if (mode == Mode.IN_PLACE) {
      assertThat(install(new TestSlots(active, standby), url).status()).isEqualTo(OtaStatus.SUCCESS);
      // an earlier build of the same image, edited since: the in-place run must undo both changes
      Path etc = standby.resolve("etc");
      try (Stream<Path> files = Files.list(etc)) {
        Path victim = files.filter(Files::isRegularFile).findFirst().orElseThrow();
        Files.writeString(victim, "edited on the standby");
      }
      Files.writeString(standby.resolve("not-in-the-image"), "stale");
    }
    TestSlots slots = new TestSlots(active, standby);
    UpdateEngine engine = V1UpdateTest.engineFor(fixture, slots);
    Progress[] last = new Progress[1];
    engine.addListener(st -> st.progress().ifPresent(p -> last[0] = p));
    EcuStatus s = engine.update(UpdateRequest.of("1.0", url, "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);

    if (image == Image.BUILDER) {
      V1UpdateTest.assertExactCopy(standby, builderRootfs);
    } else {
      assertThat(TreeSnapshot.of(standby, List.of("/opt", "/data/wo")).diff(TreeSnapshot.of(specExpected))).isEmpty();
      assertThat(PosixCalls.listXattrs(standby.resolve("etc/a2"))).containsOnlyKeys("user.k");
    }
    if (mode == Mode.DELTA) {
      assertThat(last[0].filesProcessedCopy() + last[0].filesProcessedLink()).as("contents taken from the active slot")
          .isPositive();
      assertThat(last[0].filesProcessedDownload()).as("nothing fetched").isZero();
    }
  }

  private static EcuStatus install(TestSlots slots, String url) {
    return V1UpdateTest.engineFor(fixture, slots).update(UpdateRequest.of("1.0", url, "{}"));
  }
}
