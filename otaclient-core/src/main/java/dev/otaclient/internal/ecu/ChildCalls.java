package dev.otaclient.internal.ecu;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request sent concurrently to some direct children, each with the same deadline, and their
 * replies collected in {@code ecu_info.yaml} order once every child answered or gave up.
 */
final class ChildCalls {
  private static final Logger LOG = LoggerFactory.getLogger(ChildCalls.class);

  /** A child's reply: its answer entries, or why there are none ({@code answers} is then null). */
  record Reply(ChildLink link, List<EcuResult> answers, String failure) {
    boolean answered() {
      return answers != null;
    }
  }

  private ChildCalls() {}

  static List<Reply> send(DeadlineCalls calls, String op, List<ChildLink> to, Duration deadline,
      Function<SecondaryEcu, Callable<List<EcuResult>>> callFor) {
    Map<ChildLink, CompletableFuture<List<EcuResult>>> sent = new LinkedHashMap<>();
    for (ChildLink link : to) {
      sent.put(link, calls.call(callFor.apply(link.ecu()), deadline, op + " of " + link.id()));
    }
    List<Reply> replies = new ArrayList<>();
    for (Map.Entry<ChildLink, CompletableFuture<List<EcuResult>>> e : sent.entrySet()) {
      ChildLink link = e.getKey();
      try {
        replies.add(new Reply(link, e.getValue().join(), null));
      } catch (CompletionException | CancellationException ex) {
        Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
        String why = cause instanceof TimeoutException || cause instanceof EcuUnreachableException
            ? cause.getMessage() : cause.toString();
        LOG.warn("{} of ECU {} ({}:{}) failed: {}", op, link.id(), link.ecu().ipAddr(), link.ecu().port(), why);
        replies.add(new Reply(link, null, why));
      }
    }
    return replies;
  }
}
