package dev.otaclient.cli;

import dev.otaclient.internal.update.RequestRules;
import dev.otaclient.internal.update.RequestRules.Problem;
import java.util.Optional;

/**
 * What {@link RequestRules} refuses in a request built from the command line is a usage error (exit 2)
 * naming the option at fault, found before anything is sent or started.
 */
final class RequestArgs {
  private RequestArgs() {}

  static void refuse(Optional<Problem> problem) {
    problem.ifPresent(p -> refuse(option(p.field()), problem));
  }

  /** As {@link #refuse(Optional)}, for an option other than the request's own. */
  static void refuse(String option, Optional<Problem> problem) {
    if (problem.isPresent()) {
      throw CliFailure.usage(option + ": " + problem.get().detail());
    }
  }

  private static String option(RequestRules.Field field) {
    return switch (field) {
      case ECU_ID -> "--ecu";
      case VERSION -> "--image-version";
      case IMAGE -> "--url";
      case COOKIES -> "--cookies";
      // fields the command line does not set: named as in the request
      case REQUEST_ID, RELEASE_NAME, RELEASE_ID, IMAGE_ID -> field.requestName();
    };
  }
}
