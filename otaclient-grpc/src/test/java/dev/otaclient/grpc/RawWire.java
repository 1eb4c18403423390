package dev.otaclient.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Protobuf on the wire without the generated classes: a builder that writes tags by field number,
 * a decoder that reads a message into field number -> values, and a unary gRPC call on raw bytes.
 * This is how a caller built from the seed's .proto by another toolchain (Python) sees us.
 */
final class RawWire {
  private RawWire() {}

  /** Writes fields in the order they are added. */
  static final class Msg {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

    Msg string(int field, String value) {
      return io(() -> out.writeString(field, value));
    }

    Msg varint(int field, long value) {
      return io(() -> out.writeUInt64(field, value));
    }

    Msg message(int field, Msg nested) {
      byte[] inner = nested.toByteArray();
      return io(() -> {
        out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(inner.length);
        out.writeRawBytes(inner);
      });
    }

    byte[] toByteArray() {
      io(out::flush);
      return bytes.toByteArray();
    }

    private interface IoAction {
      void run() throws IOException;
    }

    private Msg io(IoAction a) {
      try {
        a.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }
  }

  /** A decoded message: every occurrence of every field, varints as Long, length-delimited as bytes. */
  record Fields(Map<Integer, List<Object>> values) {
    long varint(int field) {
      List<Object> v = values.getOrDefault(field, List.of());
      return v.isEmpty() ? 0 : (Long) v.get(v.size() - 1);
    }

    String string(int field) {
      List<Object> v = values.getOrDefault(field, List.of());
      return v.isEmpty() ? "" : ((ByteString) v.get(v.size() - 1)).toStringUtf8();
    }

    boolean has(int field) {
      return values.containsKey(field);
    }

    Fields message(int field) {
      List<Object> v = values.getOrDefault(field, List.of());
      return v.isEmpty() ? decode(new byte[0]) : decode(((ByteString) v.get(v.size() - 1)).toByteArray());
    }

    List<Fields> messages(int field) {
      return values.getOrDefault(field, List.of()).stream()
          .map(b -> decode(((ByteString) b).toByteArray())).toList();
    }

    List<String> strings(int field) {
      return values.getOrDefault(field, List.of()).stream().map(b -> ((ByteString) b).toStringUtf8()).toList();
    }
  }

  static Fields decode(byte[] data) {
    Map<Integer, List<Object>> values = new LinkedHashMap<>();
    CodedInputStream in = CodedInputStream.newInstance(data);
    try {
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return new Fields(values);
        }
        int field = WireFormat.getTagFieldNumber(tag);
        Object value = switch (WireFormat.getTagWireType(tag)) {
          case WireFormat.WIRETYPE_VARINT -> in.readRawVarint64();
          case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.readBytes();
          default -> throw new IllegalStateException("unexpected wire type in tag " + tag);
        };
        values.computeIfAbsent(field, k -> new ArrayList<>()).add(value);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** {@code /OtaClientV2.OtaClientService/<method>} on raw bytes, for callers and servers alike. */
  static MethodDescriptor<byte[], byte[]> method(String method) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("OtaClientV2.OtaClientService/" + method)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  /** Unary call of {@code /OtaClientV2.OtaClientService/<method>} with raw request bytes. */
  static byte[] call(Channel channel, String method, byte[] request) {
    return ClientCalls.blockingUnaryCall(channel, method(method),
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), request);
  }
}
