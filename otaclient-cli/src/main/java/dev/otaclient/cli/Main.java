package dev.otaclient.cli;

import ch.qos.logback.classic.Level;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * Entry point of the {@code otaclient} command. Parses arguments and delegates; no update logic here.
 *
 * <p>The root's model is built by code, not read from annotations, like {@code apply}'s: a cold
 * {@code apply} then reads no annotation at all (see {@link SharedOptions}).
 */
public final class Main implements Runnable {
  /**
   * The subcommands, in the order of the help listing. picocli builds a command's model from its
   * annotations by reflection; building all of them (and the image subcommands) costs a command
   * ~70 ms before it starts, so {@link #commandLine(String[])} builds only the one that is run.
   */
  private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

  private static Map<String, Supplier<Object>> subcommands() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("serve", ServeCommand::new);
    m.put("update", UpdateCommand::new);
    m.put("status", StatusCommand::new);
    m.put("rollback", RollbackCommand::new);
    m.put("abort", AbortCommand::new);
    m.put("apply", ApplyCommand::spec);
    m.put("image", ImageCommand::new);
    m.put("proxy", ProxyCommand::new);
    m.put("demo", DemoCommand::new);
    m.put("help", CommandLine.HelpCommand::new);
    return Collections.unmodifiableMap(m);
  }

  private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);

  private Main() {
    spec.name("otaclient").versionProvider(new VersionProvider());
    spec.usageMessage().description("File-level A/B OTA update client (OtaClientV2 API).");
    spec.addOption(SharedOptions.helpOption());
    spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
        .description("Print version information and exit.").build());
    // the options every command has (picocli copies an inherited option into each subcommand)
    spec.addOption(OptionSpec.builder("--verbose").type(boolean.class).scopeType(ScopeType.INHERIT)
        .description("Print stack traces with errors, and debug log lines (as --log-level debug).")
        .setter(SharedOptions.into(Boolean.class, v -> verbose = v != null && v)).build());
    spec.addOption(OptionSpec.builder("--log-level").type(String.class).scopeType(ScopeType.INHERIT).paramLabel("LEVEL")
        .description("Log lines on stderr from this level on: off, error, warn, info, debug, trace "
            + "(default: info for the daemons serve, proxy and image serve; off for the other commands, "
            + "which report their result themselves).")
        .setter(SharedOptions.into(String.class, this::setLogLevel)).build());
    spec.addOption(OptionSpec.builder("--log-format").type(LogSetup.Format.class).scopeType(ScopeType.INHERIT)
        .paramLabel("FORMAT").description("Log line format: ${COMPLETION-CANDIDATES} (default text).")
        .setter(SharedOptions.into(LogSetup.Format.class, f -> logFormat = f != null ? f : LogSetup.Format.TEXT)).build());
  }

  private void setLogLevel(String level) {
    if (level == null) {
      logLevel = null; // picocli resetting the option before a parse
      return;
    }
    logLevel = LogSetup.level(level).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
        "--log-level: '" + level + "' is not one of off, error, warn, info, debug, trace"));
  }

  static volatile boolean verbose;
  /** Set by {@link #main}: this JVM runs this one command. */
  private static volatile boolean ownProcess;
  private static volatile Level logLevel;
  private static volatile LogSetup.Format logFormat = LogSetup.Format.TEXT;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /** A configured command line: one-line errors, exit 1 for failed operations, 2 for usage errors. */
  public static CommandLine commandLine() {
    return build(SUBCOMMANDS.keySet());
  }

  /**
   * The command line that runs {@code args}: when they start with a subcommand other than help, the
   * model holds that subcommand alone, which parses, helps and fails exactly as the whole one does
   * for it ({@code MainModelTest}); anything else (no arguments, an option first, a mistyped or
   * unknown name, help, generate-completion) gets the whole model.
   */
  public static CommandLine commandLine(String[] args) {
    String first = args.length > 0 ? args[0] : "";
    return SUBCOMMANDS.containsKey(first) && !first.equals("help") ? build(Set.of(first)) : commandLine();
  }

  private static CommandLine build(Set<String> names) {
    verbose = false;
    logLevel = null;
    logFormat = LogSetup.Format.TEXT;
    CommandLine cl = new CommandLine(new Main().spec);
    SUBCOMMANDS.forEach((name, command) -> {
      if (names.contains(name)) {
        cl.addSubcommand(name, command.get());
      }
    });
    // `--cookies @file` is ours to read: picocli would otherwise expand the file into arguments
    cl.setExpandAtFiles(false);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    SharedOptions.addGroups(cl);
    cl.setExecutionStrategy(parsed -> {
      CommandLine last = parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1);
      boolean daemon = last.getCommand() instanceof Daemon;
      Level level = logLevel != null ? logLevel : verbose ? Level.DEBUG : daemon ? Level.INFO : Level.OFF;
      if (level == Level.OFF && ownProcess) {
        LogSetup.silenceProcess();
      }
      LogSetup.apply(level, logFormat);
      return new CommandLine.RunLast().execute(parsed);
    });
    if (names.size() > 1) {
      cl.addSubcommand(new picocli.AutoComplete.GenerateCompletion());
      // picocli hides it by default; shell completion is meant to be found
      cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    }
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
    ownProcess = true;
    System.exit(commandLine(args).execute(args));
  }
}
