package dev.otaclient.internal.image;

/**
 * One line of {@code dirs.txt}: a directory the standby slot must contain, with the permission bits
 * (no file-type bits, at most {@code 07777}) and numeric owner it must end up with.
 */
public record DirectoryEntry(String path, int mode, long uid, long gid) {}
