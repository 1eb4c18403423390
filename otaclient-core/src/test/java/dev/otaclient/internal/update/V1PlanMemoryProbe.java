package dev.otaclient.internal.update;

import dev.otaclient.internal.image.v1.FileTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Run in a child JVM with the launcher's heap cap by {@link V1PlanMemoryTest}: writes an OTA image v1
 * file table of {@code n} regular files (the same shape as {@link PlanMemoryProbe}: realistic paths,
 * 10 % duplicate contents, some hard links, an xattr on every tenth inode) with plain SQL, then plans
 * from its rows as an update does and scans an (empty) active slot.
 */
public final class V1PlanMemoryProbe {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    Files.createDirectories(dir);
    Path db = dir.resolve("file_table.sqlite3");
    // msgpack {"user.tag": b"xy"}
    byte[] xattr = {(byte) 0x81, (byte) 0xa8, 'u', 's', 'e', 'r', '.', 't', 'a', 'g', (byte) 0xc4, 2, 'x', 'y'};
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE ft_inode (inode_id INTEGER PRIMARY KEY, uid INTEGER NOT NULL, gid INTEGER NOT NULL, "
            + "mode INTEGER NOT NULL, links_count INTEGER, xattrs BLOB)");
        s.execute("CREATE TABLE ft_regular (path TEXT PRIMARY KEY, inode_id INTEGER NOT NULL, resource_id INTEGER)");
        s.execute("CREATE TABLE ft_non_regular (path TEXT PRIMARY KEY, inode_id INTEGER NOT NULL, meta BLOB)");
        s.execute("CREATE TABLE ft_dir (path TEXT PRIMARY KEY, inode_id INTEGER NOT NULL)");
        s.execute("CREATE TABLE ft_resource (resource_id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, "
            + "size INTEGER NOT NULL, contents BLOB)");
        s.execute("INSERT INTO ft_inode VALUES (1, 0, 0, " + 040755 + ", 1, NULL)");
        s.execute("INSERT INTO ft_inode VALUES (2, 0, 0, " + 0120777 + ", 1, NULL)");
        s.execute("INSERT INTO ft_non_regular VALUES ('/bin', 2, CAST('usr/bin' AS BLOB))");
      }
      try (PreparedStatement dirs = c.prepareStatement("INSERT INTO ft_dir VALUES (?, 1)")) {
        for (int i = 0; i < n / 20; i++) {
          dirs.setString(1, "/usr/lib/x86_64-linux-gnu/package-" + i);
          dirs.executeUpdate();
        }
      }
      try (PreparedStatement inode = c.prepareStatement("INSERT INTO ft_inode VALUES (?, 0, 0, ?, ?, ?)");
           PreparedStatement res = c.prepareStatement("INSERT INTO ft_resource VALUES (?, ?, ?, NULL)");
           PreparedStatement reg = c.prepareStatement("INSERT INTO ft_regular VALUES (?, ?, ?)")) {
        for (int i = 0; i < n; i++) {
          int content = i % 10 == 9 ? i - 1 : i;
          if (content == i) {
            byte[] h = new byte[32];
            for (int b = 0; b < 8; b++) {
              h[b] = (byte) (content >>> (b * 4));
            }
            h[31] = 1; // not the empty file's digest
            res.setLong(1, content);
            res.setBytes(2, h);
            res.setLong(3, 4096 + content % 50_000);
            res.executeUpdate();
          }
          // every hundredth file is linked to the next one: one inode, two paths
          boolean second = i % 100 == 1;
          long inodeId = second ? 1000L + i - 1 : 1000L + i;
          if (!second) {
            inode.setLong(1, inodeId);
            inode.setLong(2, 0100644);
            inode.setLong(3, i % 100 == 0 ? 2 : 1);
            inode.setBytes(4, i % 10 == 0 ? xattr : null);
            inode.executeUpdate();
          }
          reg.setString(1, "/usr/lib/x86_64-linux-gnu/package-" + (i / 20) + "/lib-file-number-" + i + ".so.1.2.3");
          reg.setLong(2, inodeId);
          reg.setLong(3, second ? i - 1 : content);
          reg.executeUpdate();
        }
      }
      c.commit();
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (FileTable table = FileTable.open(db, List.of("/etc/hostname"))) {
      DeltaPlanner planner = new DeltaPlanner(pool);
      DeltaPlan plan = planner.read(table);
      Path active = Files.createDirectories(dir.resolve("active"));
      planner.findActiveSources(plan, active);
      System.gc();
      Runtime rt = Runtime.getRuntime();
      System.out.println("PLANNED " + plan.totalRegularFiles + " files, " + plan.groups.size() + " contents, heap used "
          + (rt.totalMemory() - rt.freeMemory()) / (1 << 20) + " MiB of max " + rt.maxMemory() / (1 << 20) + " MiB");
      java.lang.ref.Reference.reachabilityFence(plan);
    } finally {
      pool.shutdown();
    }
  }
}
