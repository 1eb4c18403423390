package dev.otaclient.cli;

import ch.qos.logback.classic.Level;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
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

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "Print stack traces with errors, and debug log lines (as --log-level debug).")
  void setVerbose(boolean v) {
    verbose = v;
  }

  @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
      description = "Log lines on stderr from this level on: off, error, warn, info, debug, trace "
          + "(default: info for the daemons serve, proxy and image serve; off for the other commands, "
          + "which report their result themselves).")
  void setLogLevel(String level) {
    logLevel = LogSetup.level(level).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
        "--log-level: '" + level + "' is not one of off, error, warn, info, debug, trace"));
  }

  @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "FORMAT",
      description = "Log line format: ${COMPLETION-CANDIDATES} (default text).")
  void setLogFormat(LogSetup.Format format) {
    logFormat = format;
  }

  static volatile boolean verbose;
  private static volatile Level logLevel;
  private static volatile LogSetup.Format logFormat = LogSetup.Format.TEXT;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /** A configured command line: one-line errors, exit 1 for failed operations, 2 for usage errors. */
  public static CommandLine commandLine() {
    verbose = false;
    logLevel = null;
    logFormat = LogSetup.Format.TEXT;
    CommandLine cl = new CommandLine(new Main());
    // `--cookies @file` is ours to read: picocli would otherwise expand the file into arguments
    cl.setExpandAtFiles(false);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionStrategy(parsed -> {
      CommandLine last = parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1);
      boolean daemon = last.getCommand() instanceof Daemon;
      Level level = logLevel != null ? logLevel : verbose ? Level.DEBUG : daemon ? Level.INFO : Level.OFF;
      LogSetup.apply(level, logFormat);
      return new CommandLine.RunLast().execute(parsed);
    });
    cl.addSubcommand(new picocli.AutoComplete.GenerateCompletion());
    // picocli hides it by default; shell completion is meant to be found
    cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    describeExitCodes(cl);
    cl.setParameterExceptionHandler((ex, args) -> report(ex.getCommandLine().getErr(), ex));
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(commandLine.getErr(), ex));
    return cl;
  }

  /** The exit codes and the error line, in every command's help: one text, set here for all. */
  private static void describeExitCodes(CommandLine cl) {
    Map<String, String> codes = new LinkedHashMap<>();
    codes.put("0", "Success.");
    codes.put("1", "The operation failed. stderr ends with one line 'otaclient: CODE: REASON', CODE being the "
        + "client's E<type>-<api><module>-<code> or one of unreachable, rejected, timeout, io, busy, build, internal.");
    codes.put("2", "Usage error: a wrong or missing argument, nothing was attempted ('otaclient: usage: ...' or the "
        + "client's E...-203 for an invalid request).");
    cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
    cl.getSubcommands().values().forEach(Main::describeExitCodes);
  }

  /** Ends a failure: the one line, the trace only with {@code --verbose}, the exit code. */
  private static int report(PrintWriter err, Exception ex) {
    ErrorLine line = ErrorLine.of(ex);
    if (verbose) {
      ex.printStackTrace(err);
    }
    err.println(line.text());
    err.flush();
    return line.exitCode();
  }

  /** Marks the commands that run until stopped: they log at INFO unless told otherwise. */
  interface Daemon {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
