package dev.nificnn.security;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What one class file refers to, read from its constant pool: every UTF-8 constant (class names and descriptors) and every
 * method reference as {@code owner.name}.
 * <p>
 * A class can only call a method or use a type that its constant pool names, so a scan of the pool finds every such use without
 * decompiling; the tests run with {@code --release 21}, where {@code java.lang.classfile} is not available.
 */
record ClassReferences(String className, List<String> utf8, List<String> methods) {

    private static final int MAGIC = 0xCAFEBABE;

    /** Parses a class file's header and constant pool. */
    static ClassReferences read(final InputStream classFile) throws IOException {
        final DataInputStream input = new DataInputStream(classFile);
        if (input.readInt() != MAGIC) {
            throw new IOException("not a class file");
        }
        input.readUnsignedShort();
        input.readUnsignedShort();
        final int count = input.readUnsignedShort();
        final String[] strings = new String[count];
        final int[] classNames = new int[count];
        final int[][] memberReferences = new int[count][];
        final int[][] nameAndTypes = new int[count][];
        for (int index = 1; index < count; index++) {
            final int tag = input.readUnsignedByte();
            switch (tag) {
                case 1 -> strings[index] = input.readUTF();
                case 3, 4 -> input.readInt();
                case 5, 6 -> {
                    input.readLong();
                    // Longs and doubles take two slots.
                    index++;
                }
                case 7 -> classNames[index] = input.readUnsignedShort();
                case 8, 16, 19, 20 -> input.readUnsignedShort();
                case 9 -> {
                    input.readUnsignedShort();
                    input.readUnsignedShort();
                }
                case 10, 11 -> memberReferences[index] = new int[] {input.readUnsignedShort(), input.readUnsignedShort()};
                case 12 -> nameAndTypes[index] = new int[] {input.readUnsignedShort(), input.readUnsignedShort()};
                case 15 -> {
                    input.readUnsignedByte();
                    input.readUnsignedShort();
                }
                case 17, 18 -> {
                    input.readUnsignedShort();
                    input.readUnsignedShort();
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at " + index);
            }
        }
        input.readUnsignedShort();
        final String className = strings[classNames[input.readUnsignedShort()]];
        final List<String> utf8 = new ArrayList<>();
        final List<String> methods = new ArrayList<>();
        for (int index = 1; index < count; index++) {
            if (strings[index] != null) {
                utf8.add(strings[index]);
            }
            if (memberReferences[index] != null) {
                final String owner = strings[classNames[memberReferences[index][0]]];
                final String name = strings[nameAndTypes[memberReferences[index][1]][0]];
                methods.add(owner + "." + name);
            }
        }
        return new ClassReferences(className, utf8, methods);
    }

    /** Whether the class names the type anywhere: as a class constant or inside a field or method descriptor. */
    boolean namesType(final String internalName) {
        return utf8.stream().anyMatch(text -> text.equals(internalName) || text.contains("L" + internalName + ";"));
    }
}
