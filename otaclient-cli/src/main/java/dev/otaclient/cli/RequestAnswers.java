package dev.otaclient.cli;

import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.internal.ecu.EcuResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The verdict of an Update, Rollback or Abort on the ECUs the command named: every refusal, and every
 * named ECU that nobody answered for (an id in no ECU's tree: a Python main ECU leaves it out of its
 * answer), with the reason the ECU gave; together they end the command as one
 * {@code otaclient: rejected: ...} line.
 */
final class RequestAnswers {
  private RequestAnswers() {}

  /**
   * Sends a request naming {@code ids} to {@code target}, prints the answers (a table, or JSON);
   * returns 0 when every ECU accepted, else fails with one line naming each refusal.
   */
  static int send(String op, List<String> ids, Target target, boolean json,
      Function<OtaClientStub, List<EcuResult>> call) {
    try (OtaClientStub stub = target.connect(Duration.ofSeconds(30))) {
      List<EcuResult> results = call.apply(stub);
      if (json) {
        System.out.println(Json.write(StatusJson.answers(results)));
      } else {
        StatusPrinter.answers(System.out, "", results);
      }
      requireAccepted(op, ids, results, target);
      return 0;
    }
  }

  /** Ends the command as failed (one line, exit 1) unless every answer accepted and every named ECU answered. */
  static void requireAccepted(String op, List<String> requested, List<EcuResult> answers, Target target) {
    List<String> problems = problems(op, requested, answers, target);
    if (!problems.isEmpty()) {
      throw CliFailure.failed(CliFailure.REJECTED, String.join("; ", problems));
    }
  }

  /** Why the request did not go through everywhere: one entry per refusal or missing answer. */
  static List<String> problems(String op, List<String> requested, List<EcuResult> answers, Target target) {
    Set<String> answered = new LinkedHashSet<>();
    List<String> problems = new ArrayList<>();
    for (EcuResult r : answers) {
      answered.add(r.ecuId());
      if (!r.accepted()) {
        problems.add(op + " refused by " + r.ecuId() + ": " + (r.message().isEmpty() ? r.result().name() : r.message()));
      }
    }
    for (String id : requested) {
      if (!answered.contains(id)) {
        problems.add("no answer for ECU '" + id + "' from " + target.host() + ":" + target.port()
            + ": it is in no ECU's tree");
      }
    }
    return problems;
  }
}
