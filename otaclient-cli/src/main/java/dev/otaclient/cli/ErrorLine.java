package dev.otaclient.cli;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import dev.otaclient.grpc.OtaCallException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;

/**
 * How any failure of a command ends: exactly one line {@code otaclient: <code>: <reason>} on stderr and
 * an exit code (2 usage, 1 failed operation). The one place that turns an exception into that line.
 */
record ErrorLine(String code, String reason, int exitCode) {

  /** The line, guaranteed to be one line: line breaks inside a reason are shown escaped. */
  String text() {
    return "otaclient: " + code + ": " + oneLine(reason);
  }

  static ErrorLine of(Throwable t) {
    if (t instanceof CommandLine.ParameterException pe) {
      return usage(pe);
    }
    if (t instanceof CliFailure f) {
      return new ErrorLine(f.code(), f.getMessage(), f.exitCode());
    }
    if (t instanceof OtaException e) {
      // a request the client itself refuses (bad cookies, URL, version) is a usage error
      int exit = e.code() == ErrorCode.INVALID_UPDATE_REQUEST ? 2 : 1;
      CliFailure f = CliFailure.ofReason(e.failureReason(), "");
      return new ErrorLine(f.code(), f.getMessage(), exit);
    }
    if (t instanceof OtaCallException e) {
      String code = switch (e.kind()) {
        case UNREACHABLE -> CliFailure.UNREACHABLE;
        case REJECTED, BAD_ANSWER -> CliFailure.REJECTED;
      };
      return new ErrorLine(code, e.getMessage(), 1);
    }
    if (t instanceof UncheckedIOException u) {
      return of(u.getCause());
    }
    if (t instanceof IOException e) {
      return new ErrorLine(CliFailure.IO, io(e), 1);
    }
    if (t instanceof InterruptedException) {
      return new ErrorLine("interrupted", "stopped before it finished", 1);
    }
    return new ErrorLine(CliFailure.INTERNAL, t + " (run again with --verbose for the stack trace)", 1);
  }

  private static ErrorLine usage(CommandLine.ParameterException pe) {
    String command = pe.getCommandLine().getCommandSpec().qualifiedName();
    return new ErrorLine(CliFailure.USAGE, pe.getMessage() + " (see '" + command + " --help')", 2);
  }

  /** What the JDK's file exceptions mean, in words, with the path first. */
  private static String io(IOException e) {
    if (e instanceof FileSystemException fe && fe.getFile() != null) {
      String why = e instanceof NoSuchFileException ? "no such file or directory"
          : e instanceof AccessDeniedException ? "permission denied"
          : e instanceof NotDirectoryException ? "not a directory"
          : e instanceof FileAlreadyExistsException ? "already exists"
          : e instanceof DirectoryNotEmptyException ? "directory not empty"
          : fe.getReason() != null ? fe.getReason() : e.getClass().getSimpleName();
      return fe.getFile() + (fe.getOtherFile() != null ? " -> " + fe.getOtherFile() : "") + ": " + why;
    }
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replace("\r", "\\r").replace("\n", "\\n");
  }
}
