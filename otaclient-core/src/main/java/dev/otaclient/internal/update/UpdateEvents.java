package dev.otaclient.internal.update;

import dev.otaclient.status.UpdateEvent;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Listeners by event type; a listener that throws is logged and kept. */
final class UpdateEvents {
  private static final Logger log = LoggerFactory.getLogger(UpdateEvents.class);

  private record Subscription<E extends UpdateEvent>(Class<E> type, Consumer<? super E> listener) {
    void offer(UpdateEvent e) {
      if (type.isInstance(e)) {
        listener.accept(type.cast(e));
      }
    }
  }

  private final List<Subscription<?>> subscriptions = new CopyOnWriteArrayList<>();

  /**
   * Calls {@code listener} with every event of {@code type} (a subtype of {@link UpdateEvent}, or
   * {@code UpdateEvent.class} for all). Returns what cancels the subscription.
   */
  public <E extends UpdateEvent> Runnable subscribe(Class<E> type, Consumer<? super E> listener) {
    Subscription<E> s = new Subscription<>(Objects.requireNonNull(type, "type"), Objects.requireNonNull(listener));
    subscriptions.add(s);
    return () -> subscriptions.remove(s);
  }

  void publish(UpdateEvent event) {
    for (Subscription<?> s : subscriptions) {
      try {
        s.offer(event);
      } catch (RuntimeException e) {
        log.warn("a listener of {} failed: {}", event.getClass().getSimpleName(), e.toString());
        log.debug("listener failure detail", e);
      }
    }
  }
}
