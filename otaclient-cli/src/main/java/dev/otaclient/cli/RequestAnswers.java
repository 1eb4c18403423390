package dev.otaclient.cli;

import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.internal.ecu.EcuResult;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The verdict of an Update, Rollback or Abort on the ECUs the command named: each refusal, and each
 * named ECU that nobody answered for (an id in no ECU's tree: a Python main ECU leaves it out of its
 * answer), is one {@code otaclient:} line on stderr with the reason the ECU gave.
 */
final class RequestAnswers {
  private RequestAnswers() {}

  /**
   * Sends a request naming {@code ids} to {@code target}, prints the answers (a table, or JSON) and
   * the refusals; the exit code: 0 when every named ECU accepted, else 1.
   */
  static int send(String op, List<String> ids, Target target, boolean json,
      java.util.function.Function<OtaClientStub, List<EcuResult>> call) {
    try (OtaClientStub stub = target.connect(Duration.ofSeconds(30))) {
      List<EcuResult> results = call.apply(stub);
      if (json) {
        System.out.println(Json.write(StatusJson.answers(results)));
      } else {
        StatusPrinter.answers(System.out, "", results);
      }
      return accepted(op, ids, results, target, System.err) ? 0 : 1;
    }
  }

  /** Prints the lines; true when every named ECU accepted. */
  static boolean accepted(String op, List<String> requested, List<EcuResult> answers, Target target,
      PrintStream err) {
    Set<String> answered = new LinkedHashSet<>();
    boolean ok = true;
    for (EcuResult r : answers) {
      answered.add(r.ecuId());
      if (requested.contains(r.ecuId()) && !r.accepted()) {
        ok = false;
        err.println("otaclient: " + op + " refused by " + r.ecuId() + ": "
            + (r.message().isEmpty() ? r.result().name() : r.message()));
      }
    }
    for (String id : requested) {
      if (!answered.contains(id)) {
        ok = false;
        err.println("otaclient: no answer for ECU '" + id + "' from " + target.host() + ":" + target.port()
            + ": it is in no ECU's tree");
      }
    }
    return ok;
  }
}
