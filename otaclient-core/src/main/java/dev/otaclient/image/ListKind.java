package dev.otaclient.image;

/**
 * The four list files of an image. PLACEHOLDER written on branch {@code meta} only so this branch
 * compiles; the real definition is owned by branch {@code lists} and replaces this file on merge.
 */
public enum ListKind {
  DIRECTORIES,
  SYMLINKS,
  REGULARS,
  PERSISTENTS
}
