package dev.otaclient.cli;

import dev.otaclient.error.OtaException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Entry point of the {@code otaclient} command. Parses arguments and delegates; no update logic here. */
@Command(
    name = "otaclient",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "File-level A/B OTA update client (OtaClientV2 API).",
    subcommands = {
        ServeCommand.class,
        UpdateCommand.class,
        StatusCommand.class,
        RollbackCommand.class,
        AbortCommand.class,
        ApplyCommand.class,
        ImageCommand.class,
        ProxyCommand.class,
        DemoCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces and debug logs.")
  void setVerbose(boolean v) {
    verbose = v;
    if (v) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
    }
  }

  static volatile boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /** A configured command line: one-line errors, exit 1 for failed operations, 2 for usage errors. */
  public static CommandLine commandLine() {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    CommandLine cl = new CommandLine(new Main());
    // `--cookies @file` is ours to read: picocli would otherwise expand the file into arguments
    cl.setExpandAtFiles(false);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      if (ex instanceof OtaException oe) {
        err.println("otaclient: " + oe.failureReason());
        if (verbose) {
          ex.printStackTrace(err);
        }
        err.flush();
        // a request the client itself refuses (bad cookies, URL, version) is a usage error
        return oe.code() == dev.otaclient.error.ErrorCode.INVALID_UPDATE_REQUEST ? 2 : 1;
      } else if (ex instanceof dev.otaclient.grpc.OtaCallException ce) {
        err.println("otaclient: " + ce.getMessage());
      } else if (ex instanceof CliFailure cf) {
        err.println("otaclient: " + cf.getMessage());
      } else {
        err.println("otaclient: " + ex);
      }
      if (verbose) {
        ex.printStackTrace(err);
      }
      err.flush();
      return ex instanceof CliFailure cf ? cf.exitCode() : 1;
    });
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
