package dev.otaclient.internal.ecu;

import dev.otaclient.internal.update.RequestRules;
import dev.otaclient.internal.update.RequestRules.Problem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The verdict of {@link RequestRules} on an Update, ClientUpdate, Rollback or Abort request, arranged
 * for the tree: entries whose id itself is unusable are answered by the ECU that receives them
 * ({@link #badIds}); entries with a usable id but bad content are answered by the ECU they name
 * ({@link #problem}). A bad request id is a problem of every entry.
 */
final class RequestCheck {
  private final Map<String, String> problems;
  private final List<String> badIds;

  private RequestCheck(Map<String, String> problems, List<String> badIds) {
    this.problems = problems;
    this.badIds = badIds;
  }

  static RequestCheck ofUpdate(EcuRequest<UpdateRequestEcu> request) {
    Map<String, UpdateRequestEcu> byId = new HashMap<>();
    request.entries().forEach(e -> byId.putIfAbsent(e.ecuId(), e));
    Optional<Problem> requestId = RequestRules.identifier(RequestRules.Field.REQUEST_ID, request.requestId());
    return of(request.entries().stream().map(UpdateRequestEcu::ecuId).toList(), id -> {
      UpdateRequestEcu e = byId.get(id);
      return requestId.or(() -> RequestRules.remoteEntry(e.version(), e.url(), e.cookies()))
          .or(() -> RequestRules.detail(e.detail(request.requestId())));
    });
  }

  /** Rollback and Abort: the entries are ids only. */
  static RequestCheck ofIds(EcuRequest<String> request) {
    Optional<Problem> requestId = RequestRules.identifier(RequestRules.Field.REQUEST_ID, request.requestId());
    return of(request.entries(), id -> requestId);
  }

  private static RequestCheck of(List<String> ids, Function<String, Optional<Problem>> content) {
    Map<String, Problem> repeated = RequestRules.repeatedIds(ids);
    Map<String, String> problems = new HashMap<>();
    List<String> badIds = new ArrayList<>();
    for (String id : ids) {
      if (isBadId(id)) {
        badIds.add(id);
      } else if (!problems.containsKey(id)) {
        Optional.ofNullable(repeated.get(id)).or(() -> content.apply(id))
            .ifPresent(p -> problems.put(id, p.detail()));
      }
    }
    return new RequestCheck(problems, badIds);
  }

  /** Why the entry for {@code ecuId} must be refused, or empty when it may proceed. */
  Optional<String> problem(String ecuId) {
    return Optional.ofNullable(problems.get(ecuId));
  }

  /** Ids that are empty, absurdly long or contain control characters: answered where received. */
  List<String> badIds() {
    return badIds;
  }

  static boolean isBadId(String id) {
    return RequestRules.ecuId(id).isPresent();
  }

  /** Why {@code id} is unusable, for the log. */
  static String badIdReason(String id) {
    return RequestRules.ecuId(id).map(Problem::detail).orElse("bad id");
  }
}
