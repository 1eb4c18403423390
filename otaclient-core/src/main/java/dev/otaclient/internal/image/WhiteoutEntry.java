package dev.otaclient.internal.image;

/**
 * An overlayfs whiteout of an OTA image v1: a character device with device number 0/0, with the
 * permission bits (at most {@code 07777}) and owner it must have.
 */
public record WhiteoutEntry(String path, int mode, long uid, long gid) {}
