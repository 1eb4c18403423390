package dev.otaclient.internal.image;

/**
 * One line of {@code symlinks.txt}. The target is kept verbatim (relative or absolute, never
 * re-rooted): containing it inside the standby slot is the engine's job, not the parser's.
 */
public record SymlinkEntry(String path, String target, int mode, long uid, long gid) {}
