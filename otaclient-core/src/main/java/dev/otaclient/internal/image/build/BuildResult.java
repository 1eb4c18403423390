package dev.otaclient.internal.image.build;

import java.nio.file.Path;

/**
 * What {@link ImageBuilder#build()} wrote.
 *
 * @param directories entries in {@code dirs.txt}
 * @param symlinks entries in {@code symlinks.txt}
 * @param regulars entries in {@code regulars.txt} (every path, hard links counted once per path)
 * @param totalRegularSize sum of the sizes of all regular entries, as in {@code total_regular_size.txt}
 * @param compressedBlobs number of distinct {@code data.zst/<sha256>.zst} blobs (0 without compression)
 * @param compressedBytes total size of those blobs
 * @param skippedSpecial devices, fifos and sockets left out of the image
 * @param ignored paths left out because the ignore rules matched (an ignored directory counts once)
 * @param outputDir the image directory (the one an HTTP server should serve)
 */
public record BuildResult(
    long directories,
    long symlinks,
    long regulars,
    long totalRegularSize,
    long compressedBlobs,
    long compressedBytes,
    long skippedSpecial,
    long ignored,
    Path outputDir) {}
