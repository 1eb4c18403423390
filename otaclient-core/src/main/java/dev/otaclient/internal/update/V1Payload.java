package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.image.ImageSource;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.image.ListKind;
import dev.otaclient.internal.image.v1.MediaTypes;
import dev.otaclient.internal.image.v1.V1Contents;
import dev.otaclient.internal.image.v1.V1Image;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.SlotLayout;
import dev.otaclient.internal.slot.StandbyTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.OptionalLong;

/**
 * An OTA image v1 payload: the rows of its file table, contents through the resource table. Its
 * bundles and slices are kept in the standby's work area ({@code /.ota-work/v1-blobs}), which an
 * interrupted update leaves for the next run and a completed one removes.
 */
final class V1Payload implements InstallPayload {
  private static final SlotLayout LAYOUT = SlotLayout.STANDARD;
  static final String BLOB_DIR = "/v1-blobs";
  /**
   * Heap a planned entry takes, generously (path, plan object, content group, hash-table slots): the
   * planner holds every path, so a table with more rows than the heap can hold is refused up front.
   * Measured with {@code V1PlanMemoryProbe}: 300 000 files plan in 93 MiB (about 290 bytes each);
   * 600 000 do not fit -Xmx160m.
   */
  static final long PLAN_BYTES_PER_ENTRY = 400;

  private final V1Image image;
  private final ImageSource source;

  V1Payload(V1Image image, ImageSource source) {
    this.image = image;
    this.source = source;
  }

  /**
   * Refuses a payload too large to plan in this JVM, before reading a single row into memory.
   *
   * @throws OtaException METADATA_VERIFICATION naming the counts
   */
  void checkPlanFits(long maxHeapBytes) {
    long rows = image.fileTable().count("ft_regular") + image.fileTable().count("ft_dir")
        + image.fileTable().count("ft_non_regular");
    long limit = Math.max(10_000, (maxHeapBytes - 48L * 1024 * 1024) / PLAN_BYTES_PER_ENTRY);
    if (rows > limit) {
      throw new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.DOWNLOADER, "file table of payload "
          + image.payload().ecuId() + " has " + rows + " entries; this client plans at most " + limit
          + " with its heap of " + (maxHeapBytes >> 20) + " MiB (a larger -Xmx, e.g. in OTACLIENT_JAVA_OPTS, plans more)");
    }
  }

  @Override
  public ImageTree tree() {
    return image.fileTable();
  }

  @Override
  public OptionalLong totalRegularSize() {
    return OptionalLong.empty();
  }

  @Override
  public ContentFetcher contents(Path workDir) {
    Path blobs = workDir.resolve(BLOB_DIR.substring(1));
    try {
      Files.createDirectories(blobs);
    } catch (IOException e) {
      throw SlotIo.failure("creating " + blobs, e);
    }
    V1Contents contents = new V1Contents(source, image.fileTable(), image.resourceTable(), blobs);
    return (g, path, dest, listener) ->
        contents.fetch(HexFormat.of().parseHex(g.sha256.hex()), Math.max(0, g.size), path, dest, listener);
  }

  /**
   * The file table goes to {@code /opt/ota/image-meta/} with a {@code mediaType} file beside it (names
   * modelled on the image library's): the next update's delta source.
   */
  @Override
  public void saveMeta(StandbyTree tree) {
    String dir = LAYOUT.savedMetaDir();
    write(tree, dir + "/" + DeltaPlanner.SAVED_FILE_TABLE, image.fileTablePath(), null);
    write(tree, dir + "/mediaType", null, MediaTypes.FILE_TABLE.getBytes(StandardCharsets.US_ASCII));
    for (ListKind kind : ListKind.values()) {
      // lists of an earlier legacy build would be taken for this image's next time
      deleteQuietly(tree.locate(LAYOUT.savedList(kind)));
    }
  }

  private static void write(StandbyTree tree, String imagePath, Path from, byte[] bytes) {
    Path target = tree.locate(imagePath);
    tree.safeParent(imagePath, target);
    Path tmp = TempNames.beside(target);
    try {
      if (from != null) {
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.write(tmp, bytes);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw SlotIo.failure("saving " + imagePath, e);
    }
  }

  /** A legacy build's slot must not keep a file table of an earlier v1 build. */
  static void forgetSavedTable(StandbyTree tree) {
    String dir = LAYOUT.savedMetaDir();
    deleteQuietly(tree.locate(dir + "/" + DeltaPlanner.SAVED_FILE_TABLE));
    deleteQuietly(tree.locate(dir + "/mediaType"));
  }

  private static void deleteQuietly(Path p) {
    try {
      if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // not there, or not ours to remove: the next update scans instead
    }
  }

  @Override
  public void close() {
    image.close();
  }
}
