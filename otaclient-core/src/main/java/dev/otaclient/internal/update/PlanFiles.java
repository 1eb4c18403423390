package dev.otaclient.internal.update;

import dev.otaclient.internal.boot.ImageFiles;
import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.slot.SlotIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@link ImageFiles} over a verified image's plan, before the standby exists: the file's content is
 * fetched alone into the private work directory (checked against its listed hash as every download
 * is), read, and removed.
 */
final class PlanFiles implements ImageFiles {
  private final DeltaPlan plan;
  private final InstallPayload payload;
  private final Path work;

  PlanFiles(DeltaPlan plan, InstallPayload payload, Path privateWork) {
    this.plan = plan;
    this.payload = payload;
    this.work = privateWork.resolve("image-files");
  }

  @Override
  public Optional<byte[]> read(String imagePath, int maxBytes) {
    ContentGroup group = groupOf(imagePath);
    if (group == null || group.size > maxBytes) {
      return Optional.empty();
    }
    Path file = work.resolve("content");
    try {
      Files.createDirectories(work);
      payload.contents(work).fetch(group, imagePath, file, FetchListener.NONE);
      byte[] content = Files.readAllBytes(file);
      // a list without sizes (rev1) is only bounded once the file is here
      return content.length > maxBytes ? Optional.empty() : Optional.of(content);
    } catch (IOException e) {
      throw SlotIo.failure("reading " + imagePath + " of the image", e);
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // the private work directory is removed with the update
      }
    }
  }

  private ContentGroup groupOf(String imagePath) {
    for (ContentGroup g : plan.groups) {
      for (int i = 0; i < g.count(); i++) {
        if (g.member(i).path.equals(imagePath)) {
          return g;
        }
      }
    }
    return null;
  }
}
