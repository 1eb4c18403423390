package dev.otaclient.internal.image;

import java.util.Collections;
import java.util.Iterator;

/**
 * Streams the entries of one kind from an image, one at a time, whatever the format: lines of a
 * legacy list ({@link ListReader}) or rows of a v1 file table. Problems surface from {@code hasNext}
 * or {@code next} as {@link dev.otaclient.error.OtaException} naming {@link #position()}.
 */
public interface EntryReader<T> extends Iterator<T>, AutoCloseable {
  /** Where the entry last returned came from, for messages: {@code dirs.txt:12}, {@code ft_dir row 12}. */
  String position();

  /**
   * The extended attributes of the entry last returned; null when the format carries none (legacy
   * lists), so that a slot's existing attributes are left as they are.
   */
  default Xattrs xattrs() {
    return null;
  }

  @Override
  void close();

  /** A reader with no entries. */
  static <T> EntryReader<T> empty(String name) {
    Iterator<T> none = Collections.emptyIterator();
    return new EntryReader<>() {
      @Override
      public String position() {
        return name;
      }

      @Override
      public boolean hasNext() {
        return none.hasNext();
      }

      @Override
      public T next() {
        return none.next();
      }

      @Override
      public void close() {}
    };
  }
}
