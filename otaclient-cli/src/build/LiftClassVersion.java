import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites the pre-Java-6 classes of a jar (class file version below 50) below one package prefix as
 * Java 8 classes, with stack map frames computed by ASM. Run at package time on the fat jar, for
 * picocli: it is compiled for Java 5, and the JVM's class-data sharing refuses classes that old
 * ("Pre JDK 6 class not supported by CDS"), so its ~170 classes were read from the jar and verified
 * by the old inference verifier at every start, about 35 ms of the time to the first request
 * (docs/benchmarks.md, "Round six"). The code is unchanged; only the version and the frames the new
 * verifier checks are added, so a frame ASM got wrong would fail verification at load, never run.
 *
 * <pre>java -cp asm.jar LiftClassVersion.java JAR PREFIX</pre>
 *
 * The jar is replaced atomically; entries keep their order (the manifest stays first) and times.
 */
public final class LiftClassVersion {
  private static final int V1_6 = 50;

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: LiftClassVersion JAR PREFIX");
      System.exit(2);
    }
    Path jar = Path.of(args[0]);
    String prefix = args[1];
    Path tmp = jar.resolveSibling(jar.getFileName() + ".lift.tmp");
    int lifted = 0;
    // frames need the common super class of two types, which ASM finds by loading them from the jar
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
        ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
        OutputStream file = Files.newOutputStream(tmp);
        ZipOutputStream out = new ZipOutputStream(file)) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        byte[] bytes = in.readAllBytes();
        if (e.getName().startsWith(prefix) && e.getName().endsWith(".class") && major(bytes) < V1_6) {
          bytes = lift(bytes, loader);
          lifted++;
        }
        ZipEntry copy = new ZipEntry(e.getName());
        copy.setTime(e.getTime());
        out.putNextEntry(copy);
        out.write(bytes);
        out.closeEntry();
      }
    } catch (IOException | RuntimeException ex) {
      Files.deleteIfExists(tmp);
      throw ex;
    }
    if (lifted == 0) {
      Files.delete(tmp);
      System.err.println("LiftClassVersion: no class below version 50 under " + prefix + " in " + jar);
      System.exit(1);
    }
    Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.println("LiftClassVersion: " + lifted + " classes under " + prefix + " lifted to Java 8 in " + jar);
  }

  private static int major(byte[] classFile) {
    return ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
  }

  private static byte[] lift(byte[] classFile, ClassLoader loader) {
    ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
      @Override
      protected ClassLoader getClassLoader() {
        return loader;
      }
    };
    new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9, w) {
      @Override
      public void visit(int version, int access, String name, String signature, String superName,
          String[] interfaces) {
        super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
      }
    }, ClassReader.SKIP_FRAMES);
    return w.toByteArray();
  }
}
