package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers for the ids a direct caller named that no ECU answered for, so that the caller learns that
 * an id matches no ECU (or was not reached) instead of getting silence. Not for relayed requests: a
 * parent's request names the ECUs of other branches too, which answer for themselves.
 */
final class UnansweredIds {
  private static final Logger LOG = LoggerFactory.getLogger(UnansweredIds.class);

  private UnansweredIds() {}

  static List<EcuResult> answers(EcuInfo info, List<ChildLink> children, List<String> requested,
      List<EcuResult> out) {
    Set<String> answered = new HashSet<>();
    out.forEach(r -> answered.add(r.ecuId()));
    List<EcuResult> extra = new ArrayList<>();
    for (String id : new LinkedHashSet<>(requested)) {
      if (answered.contains(id) || RequestCheck.isBadId(id)) {
        continue;
      }
      String why = why(info, children, id, out);
      LOG.warn("no answer for ECU '{}': {}", id, why);
      extra.add(new EcuResult(id, FailureType.RECOVERABLE, why));
    }
    return extra;
  }

  private static String why(EcuInfo info, List<ChildLink> children, String id, List<EcuResult> out) {
    for (ChildLink link : children) {
      if (link.subtreeIds().contains(id)) {
        // the child it is behind was refused here or did not answer: that answer says why
        String behind = out.stream().filter(r -> r.ecuId().equals(link.id()) && !r.accepted())
            .map(r -> ": " + r.message()).findFirst().orElse(" did not pass the request on");
        return "ECU '" + id + "' was not reached: ECU " + link.id() + ", which it is behind" + behind;
      }
    }
    if (info.availableEcuIds().contains(id)) {
      return "ECU '" + id + "' is listed in available_ecu_ids but no ECU reports it: it was not reached";
    }
    return "no ECU '" + id + "' in this vehicle; known ECUs: " + String.join(", ", knownIds(info, children));
  }

  /** This ECU, its subtree as last reported, and the configured available ids, sorted. */
  private static Set<String> knownIds(EcuInfo info, List<ChildLink> children) {
    Set<String> ids = new TreeSet<>();
    ids.add(info.ecuId());
    children.forEach(c -> ids.addAll(c.subtreeIds()));
    ids.addAll(info.availableEcuIds());
    return ids;
  }
}
