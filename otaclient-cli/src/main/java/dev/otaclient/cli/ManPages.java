package dev.otaclient.cli;

import java.io.File;
import java.io.IOException;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build step, not a command: writes one AsciiDoc man page per command from the same picocli model the
 * program runs with (options, examples, exit codes), which the build renders to troff. Run by the
 * exec plugin at prepare-package; picocli-codegen is on the build's class path only.
 */
public final class ManPages {
  private ManPages() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ManPages OUTPUT_DIR");
    }
    int r = ManPageGenerator.generateManPage(new File(args[0]), null, new boolean[0], true,
        Main.commandLine().getCommandSpec());
    if (r != 0) {
      throw new IOException("man page generation failed: " + r);
    }
  }
}
