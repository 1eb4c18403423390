package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.LoopDevices;
import dev.otaclient.internal.fs.PosixCalls;
import dev.otaclient.internal.image.v1.V1ImageBuilder;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTA image v1 into real ext4 slots on loop devices (the file system an ECU's slots have, with its
 * xattr namespaces, capabilities and device nodes), from a rootfs that lives on ext4 too: full, then
 * delta v1 → v2 into the other slot, then in place over an edited slot; each slot compared bit for bit
 * with its rootfs (content, modes, owners, links, xattrs, the whiteout) and each file system checked
 * clean by e2fsck afterwards. Needs root, loop devices, mkfs.ext4 and nginx.
 */
class V1Ext4SlotTest {
  @TempDir static Path shared;
  static final List<Ext4> MOUNTS = new ArrayList<>();
  static SignedImageFixture images;
  static Path rootV1;
  static Path rootV2;
  static Ext4 slotA;
  static Ext4 slotB;
  static Nginx nginx;

  @BeforeAll
  static void build() throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/loop-control"))
        && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")) && Nginx.available(), "needs root, loop devices, nginx");
    images = SignedImageFixture.create("v1ext4", shared);
    Ext4 source = Ext4.make(shared, "rootfs", 96);
    rootV1 = V1UpdateTest.extras(SampleRootfs.create(source.mnt.resolve("v1")));
    rootV2 = SampleRootfs.v2From(rootV1, source.mnt.resolve("v2"));
    for (String v : List.of("v1", "v2")) {
      V1ImageBuilder.into(images.www().resolve(v))
          .payload(new V1ImageBuilder.PayloadSpec("main", "dev", v.equals("v1") ? rootV1 : rootV2, List.of()))
          .sliceSize(64 * 1024)
          .signWith(images.ca().signingKey(), List.of(images.ca().signingCert(), images.ca().intermediateCert()))
          .build();
    }
    slotA = Ext4.make(shared, "slot_a", 96);
    slotB = Ext4.make(shared, "slot_b", 96);
    nginx = Nginx.serve(images.www());
  }

  @AfterAll
  static void stop() throws Exception {
    if (nginx != null) {
      nginx.close();
    }
    for (int i = MOUNTS.size() - 1; i >= 0; i--) {
      MOUNTS.get(i).close();
    }
  }

  EcuStatus update(Path active, Path standby, String version, String image, Progress[] last) {
    UpdateEngine c = new UpdateEngine("main", new TestSlots(active, standby), UpdateSettings.defaults(images.caStore()));
    c.start();
    c.addListener(st -> st.progress().ifPresent(p -> last[0] = p));
    return c.update(UpdateRequest.of(version, nginx.imageUrl(image), "{}"));
  }

  @Test
  void fullThenDeltaThenInPlaceOnExt4AreExactCopies() throws Exception {
    Path a = slotA.mnt.resolve("slot");
    Path b = slotB.mnt.resolve("slot");
    Progress[] last = new Progress[1];

    EcuStatus full = update(shared.resolve("empty"), a, "1.0", "v1", last);
    assertThat(full.status()).as(full.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    V1UpdateTest.assertExactCopy(a, rootV1);

    EcuStatus delta = update(a, b, "2.0", "v2", last);
    assertThat(delta.status()).as(delta.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    V1UpdateTest.assertExactCopy(b, rootV2);
    assertThat(last[0].filesProcessedCopy()).isPositive();

    // an edit, a stale attribute and a capability taken away: in place puts all of it back
    Files.writeString(SampleRootfs.at(b, SampleRootfs.PASSWD), "tampered");
    PosixCalls.setXattr(SampleRootfs.at(b, V1UpdateTest.CAPS), "user.stale", new byte[] {9});
    PosixCalls.removeXattr(SampleRootfs.at(b, V1UpdateTest.CAPS), "security.capability");
    EcuStatus inPlace = update(a, b, "2.0", "v2", last);
    assertThat(inPlace.status()).as(inPlace.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    V1UpdateTest.assertExactCopy(b, rootV2);

    for (Ext4 fs : List.of(slotA, slotB)) {
      assertThat(fs.fsck()).as("e2fsck of " + fs.image).isZero();
    }
  }

  /** An ext4 image file on a loop device reserved for this JVM, mounted. */
  static final class Ext4 implements AutoCloseable {
    final Path image;
    final Path mnt;
    final String device;

    private Ext4(Path image, Path mnt, String device) {
      this.image = image;
      this.mnt = mnt;
      this.device = device;
    }

    static Ext4 make(Path dir, String name, int mib) throws IOException {
      Path image = dir.resolve(name + ".img");
      try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
        f.setLength((long) mib << 20);
      }
      sh("mkfs.ext4", "-q", "-F", image.toString());
      String dev = LoopDevices.reserve();
      sh("losetup", dev, image.toString());
      Path mnt = Files.createDirectories(dir.resolve(name));
      try {
        sh("mount", dev, mnt.toString());
      } catch (RuntimeException e) {
        sh("losetup", "-d", dev);
        throw e;
      }
      Ext4 fs = new Ext4(image, mnt, dev);
      MOUNTS.add(fs);
      return fs;
    }

    /** Unmounts (flushing) and runs a read-only forced check; the file system stays detached. */
    int fsck() throws Exception {
      close();
      Process p = new ProcessBuilder("e2fsck", "-f", "-n", image.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int rc = p.waitFor();
      if (rc != 0) {
        System.out.println(out);
      }
      return rc;
    }

    @Override
    public void close() {
      if (isMounted()) {
        sh("umount", mnt.toString());
      }
      runQuietly("losetup", "-d", device);
    }

    private boolean isMounted() {
      return runQuietly("mountpoint", "-q", mnt.toString()) == 0;
    }
  }

  static String sh(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int runQuietly(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return p.waitFor();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
