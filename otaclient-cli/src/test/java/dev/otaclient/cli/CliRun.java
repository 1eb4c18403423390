package dev.otaclient.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process through picocli with stdout/stderr captured. */
record CliRun(int exit, String out, String err) {
  static synchronized CliRun of(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    StringWriter picoOut = new StringWriter();
    StringWriter picoErr = new StringWriter();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      var cl = Main.commandLine(args);
      cl.setOut(new PrintWriter(picoOut, true));
      cl.setErr(new PrintWriter(picoErr, true));
      int code = cl.execute(args);
      return new CliRun(code, out.toString(StandardCharsets.UTF_8) + picoOut,
          err.toString(StandardCharsets.UTF_8) + picoErr);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** The lines that start with "otaclient:" — the one-line error. */
  long errorLines() {
    return err.lines().filter(l -> l.startsWith("otaclient:")).count();
  }
}
