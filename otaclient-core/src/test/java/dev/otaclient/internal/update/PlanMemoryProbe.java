package dev.otaclient.internal.update;

import dev.otaclient.internal.image.VerifiedLists;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Run in a child JVM with a small heap by {@link PlanMemoryTest}: writes lists of an image with
 * {@code n} regular files (realistic path lengths, 10 % duplicate contents, some hard links) and
 * reads them into a {@link DeltaPlan}, then scans an (empty) active slot. A third argument
 * {@code histogram} prints the live classes at the end (measuring by hand).
 */
public final class PlanMemoryProbe {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    Files.createDirectories(dir);
    HexFormat hex = HexFormat.of();
    try (BufferedWriter d = Files.newBufferedWriter(dir.resolve("dirs.txt"), StandardCharsets.UTF_8);
         BufferedWriter r = Files.newBufferedWriter(dir.resolve("regulars.txt"), StandardCharsets.UTF_8)) {
      for (int i = 0; i < n / 20; i++) {
        d.write((i == 0 ? "" : "\n") + "0755,0,0,'/usr/lib/x86_64-linux-gnu/package-" + i + "'");
      }
      for (int i = 0; i < n; i++) {
        int content = i % 10 == 9 ? i - 1 : i;
        byte[] h = new byte[32];
        for (int b = 0; b < 8; b++) {
          h[b] = (byte) (content >>> (b * 4));
        }
        String sha = hex.formatHex(h);
        boolean linked = i % 100 == 0;
        r.write((i == 0 ? "" : "\n") + "0644,0,0," + (linked ? 2 : 1) + "," + sha
            + ",'/usr/lib/x86_64-linux-gnu/package-" + (i / 20) + "/lib-file-number-" + i + ".so.1.2.3',"
            + (4096 + content % 50_000) + "," + (linked ? String.valueOf(i) : "") + ",");
      }
    }
    Files.writeString(dir.resolve("symlinks.txt"), "0777,0,0,'/bin','usr/bin'");
    Files.writeString(dir.resolve("persistents.txt"), "'/etc/hostname'");
    VerifiedLists lists = new VerifiedLists(dir.resolve("dirs.txt"), dir.resolve("symlinks.txt"),
        dir.resolve("regulars.txt"), dir.resolve("persistents.txt"));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    DeltaPlanner planner = new DeltaPlanner(pool);
    DeltaPlan plan = planner.read(lists);
    Path active = Files.createDirectories(dir.resolve("active"));
    planner.findActiveSources(plan, active);
    pool.shutdown();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    System.out.println("PLANNED " + plan.totalRegularFiles + " files, " + plan.groups.size() + " contents, heap used "
        + (rt.totalMemory() - rt.freeMemory()) / (1 << 20) + " MiB of max " + rt.maxMemory() / (1 << 20) + " MiB");
    if (args.length > 2 && args[2].equals("histogram")) {
      // by hand: the live classes while the plan is still reachable
      new ProcessBuilder("jcmd", String.valueOf(ProcessHandle.current().pid()), "GC.class_histogram")
          .inheritIO().start().waitFor();
    }
    java.lang.ref.Reference.reachabilityFence(plan);
  }
}
