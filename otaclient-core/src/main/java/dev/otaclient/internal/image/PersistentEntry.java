package dev.otaclient.internal.image;

/** One line of {@code persistents.txt}: a path copied from the active slot into the standby slot. */
public record PersistentEntry(String path) {}
