package dev.otaclient.internal.slot;

import dev.otaclient.internal.image.ListKind;
import java.nio.file.Path;

/**
 * Where the engine keeps its own files inside a slot, as image paths ({@code /} is the slot's root).
 * One value, read by every step that touches them, so the names cannot drift apart.
 *
 * @param workDir a build's work area at the top of the slot: the resume journal; removed when the
 *     build completes, skipped by the delta scan and the in-place clean (the lists are fetched and
 *     checked outside both slots, before the standby is touched)
 * @param savedMetaDir the image's lists as installed, the next update's fast delta source, and the
 *     slot manifest; the Python client saves its lists there too
 */
public record SlotLayout(String workDir, String savedMetaDir) {
  public static final SlotLayout STANDARD = new SlotLayout("/.ota-work", "/opt/ota/image-meta");

  public SlotLayout {
    if (!workDir.startsWith("/") || workDir.indexOf('/', 1) >= 0) {
      throw new IllegalArgumentException("the work dir must be a top-level image path: " + workDir);
    }
    if (!savedMetaDir.startsWith("/")) {
      throw new IllegalArgumentException("not an image path: " + savedMetaDir);
    }
  }

  /** The placement journal of the build in progress, which a resumed build reads. */
  public String journal() {
    return workDir + "/journal";
  }

  /**
   * The slot manifest: the placement records (path, sha256, size, mtime, ctime, inode) of the slot's
   * last completed build, so that the next in-place update of any image trusts unchanged files without
   * hashing them. Beside the saved lists, outside the work area that is removed.
   */
  public String manifest() {
    return savedMetaDir + "/slot-manifest";
  }

  /** The saved copy of one of the image's lists, under the name the image format gives it. */
  public String savedList(ListKind kind) {
    return savedMetaDir + "/" + switch (kind) {
      case DIRECTORIES -> "dirs.txt";
      case SYMLINKS -> "symlinks.txt";
      case REGULARS -> "regulars.txt";
      case PERSISTENTS -> "persistents.txt";
    };
  }

  /** {@code imagePath} as a path below {@code slotRoot}; unlike {@link StandbyTree#locate} it checks nothing on the way. */
  public static Path in(Path slotRoot, String imagePath) {
    return slotRoot.resolve(imagePath.substring(1));
  }
}
