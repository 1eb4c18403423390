package dev.otaclient.internal.ecu;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to the ECU tree (Update, ClientUpdate, Rollback, Abort), transport-free.
 *
 * @param entries the per-ECU entries ({@link UpdateRequestEcu}, or ECU ids)
 * @param requestId the caller's id of the request ("" for none), carried to every ECU
 * @param original the request as it arrived, when a transport received it: forwarded to children
 *     as it is, so that fields this build does not know reach them too
 * @param direct received straight from an operator's client rather than relayed by a parent ECU:
 *     only then are ids that no ECU of the tree answered for reported as unknown, because a
 *     relaying parent's request also names ECUs of other branches
 */
public record EcuRequest<E>(List<E> entries, String requestId, Optional<Encoded> original, boolean direct) {
  public EcuRequest {
    entries = List.copyOf(entries);
    requestId = Objects.requireNonNullElse(requestId, "");
    Objects.requireNonNull(original);
  }

  /** A request made in this process (no wire form), as a direct caller makes it. */
  public static <E> EcuRequest<E> of(List<E> entries, String requestId) {
    return new EcuRequest<>(entries, requestId, Optional.empty(), true);
  }

  /** A request's bytes as its transport encoded them; opaque to the tree. */
  public static final class Encoded {
    private final byte[] bytes;

    public Encoded(byte[] bytes) {
      this.bytes = bytes.clone();
    }

    public byte[] bytes() {
      return bytes.clone();
    }

    @Override
    public String toString() {
      return "Encoded[" + bytes.length + " bytes]";
    }
  }
}
