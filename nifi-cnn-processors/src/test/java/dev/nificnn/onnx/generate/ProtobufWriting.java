package dev.nificnn.onnx.generate;

import com.google.protobuf.CodedOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Something that writes protobuf fields; encodes small messages into byte arrays. */
@FunctionalInterface
interface ProtobufWriting {

    void writeTo(CodedOutputStream output) throws IOException;

    static byte[] encode(final ProtobufWriting writing) {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        final CodedOutputStream output = CodedOutputStream.newInstance(bytes, 256);
        try {
            writing.writeTo(output);
            output.flush();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
