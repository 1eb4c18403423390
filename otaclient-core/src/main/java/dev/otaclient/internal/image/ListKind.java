package dev.otaclient.internal.image;

/** The four list files of a legacy OTA image, each with its own line format (reference §1.5–§1.8). */
public enum ListKind {
  DIRECTORIES,
  SYMLINKS,
  REGULARS,
  PERSISTENTS
}
