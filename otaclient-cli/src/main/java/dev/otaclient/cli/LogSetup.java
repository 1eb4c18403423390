package dev.otaclient.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The logging backend of the command: logback, configured in code. Until a command has been parsed
 * nothing is logged at all (logback, found through {@link java.util.ServiceLoader}, calls
 * {@link #configure(LoggerContext)} instead of reading XML), so no library line can reach stdout or
 * precede a one-line error; {@link #apply} then sets the level and format the command asked for.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
  /** Libraries whose INFO lines say nothing to an operator: at most WARN from them. */
  private static final List<String> QUIET = List.of("io.grpc", "io.netty", "org.eclipse.jetty", "org.apache.hc");

  /** The line formats of {@code --log-format}. */
  enum Format {
    /** {@code 2026-01-02T03:04:05.678Z INFO  UpdateEngine: message} */
    TEXT,
    /** one JSON object per line (logback's JsonEncoder), for log collectors */
    JSON
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.OFF);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * For a process that runs one command and logs nothing: binds SLF4J to its no-operation provider
   * instead of logback, unless something asked for a logger already (then this has no effect).
   * Starting logback (its configurator lookup, context and status machinery) took ~45 ms of such a
   * command's start on a slow day, for lines that would all be dropped (docs/benchmarks.md, "Round
   * seven"). Not for a JVM that runs several commands, such as the tests': SLF4J binds once per JVM.
   */
  static void silenceProcess() {
    System.setProperty(LoggerFactory.PROVIDER_PROPERTY_KEY, "org.slf4j.helpers.NOP_FallbackServiceProvider");
    // SLF4J would otherwise report on stderr that it used the provider it was told to use
    System.setProperty("slf4j.internal.verbosity", "WARN");
  }

  /** Parses a {@code --log-level} value: off, error, warn, info, debug or trace. */
  static Optional<Level> level(String name) {
    Level l = Level.toLevel(name.toUpperCase(Locale.ROOT), null);
    return l == null || l == Level.ALL ? Optional.empty() : Optional.of(l);
  }

  /**
   * Sends log lines of {@code level} and above to stderr in {@code format}. Stack traces are printed
   * only at DEBUG and TRACE: an ordinary failure is one line.
   */
  static void apply(Level level, Format format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return; // bound to the no-operation provider by silenceProcess(): nothing can be logged
    }
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.setLevel(level);
    for (String name : QUIET) {
      ctx.getLogger(name).setLevel(level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN);
    }
    if (level == Level.OFF) {
      return;
    }
    boolean traces = !level.isGreaterOrEqual(Level.INFO);
    ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
    out.setContext(ctx);
    out.setName("stderr");
    out.setTarget("System.err");
    out.setEncoder(encoder(ctx, format, traces));
    out.start();
    root.addAppender(out);
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext ctx, Format format, boolean traces) {
    if (format == Format.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(ctx);
      json.setWithFormattedMessage(true);
      json.setWithArguments(false);
      json.setWithMessage(false);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithThrowable(traces);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(ctx);
    text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %msg%n" + (traces ? "" : "%nopex"));
    text.start();
    return text;
  }
}
