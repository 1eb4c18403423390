package dev.otaclient.ecu;

import java.util.Optional;

/** The rules an ECU id must follow, in config files and in requests alike. */
final class EcuIds {
  /** Real ids are short names ("autoware", "p1"); longer ones are refused as absurd. */
  static final int MAX_LENGTH = 128;

  private EcuIds() {}

  /** Why {@code id} is not acceptable, or empty when it is. */
  static Optional<String> problem(String id) {
    if (id == null || id.isEmpty()) {
      return Optional.of("ecu id is empty");
    }
    if (id.length() > MAX_LENGTH) {
      return Optional.of("ecu id is " + id.length() + " characters, more than " + MAX_LENGTH);
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      // ids end up in logs, file names of test rigs and status tables: no control characters
      if (c < 0x20 || c == 0x7f) {
        return Optional.of("ecu id contains a control character");
      }
    }
    return Optional.empty();
  }
}
