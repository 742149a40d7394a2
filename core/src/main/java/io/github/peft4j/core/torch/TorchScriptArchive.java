package io.github.peft4j.core.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The bytes of a TorchScript archive ({@code torch.jit.save}'s zip) holding one parameterless module whose methods
 * are given as TorchScript source. libtorch compiles the source when it loads the archive, so the archive needs no
 * Python to make. Written by hand because no Java library writes this format; it is four small records:
 * <ul>
 *   <li>{@code code/__torch__.py}: the module's class, in TorchScript's serialized-source dialect;
 *   <li>{@code data.pkl}: a pickle of the module object, an instance of that class whose only state is
 *       {@code training = True};
 *   <li>{@code constants.pkl}: the pickle of the empty tuple (the source uses no tensor constants);
 *   <li>{@code .data/version}: the file format version, 10 (libtorch 2.x), so that no operator upgrader rewrites
 *       the calls.
 * </ul>
 */
final class TorchScriptArchive {
    private static final String ARCHIVE_NAME = "peft4j_kernels";
    private static final String FILE_FORMAT_VERSION = "10\n";

    // Pickle protocol 2 opcodes.
    private static final byte PROTO = (byte) 0x80;
    private static final byte GLOBAL = 'c';
    private static final byte EMPTY_TUPLE = ')';
    private static final byte NEWOBJ = (byte) 0x81;
    private static final byte EMPTY_DICT = '}';
    private static final byte BINUNICODE = 'X';
    private static final byte NEWTRUE = (byte) 0x88;
    private static final byte SETITEM = 's';
    private static final byte BUILD = 'b';
    private static final byte STOP = '.';

    private TorchScriptArchive() {}

    /**
     * @param className the module's class as the source declares it (in the {@code __torch__} namespace)
     * @param source {@code code/__torch__.py}'s text
     */
    static byte[] of(String className, String source) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            store(zip, "data.pkl", moduleObjectPickle(className));
            store(zip, "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            store(zip, "constants.pkl", new byte[] {PROTO, 2, EMPTY_TUPLE, STOP});
            store(zip, ".data/version", FILE_FORMAT_VERSION.getBytes(StandardCharsets.US_ASCII));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e); // writes to memory only
        }
        return bytes.toByteArray();
    }

    /** {@code __torch__.ClassName.__new__()} whose state, set by BUILD, is {@code {"training": True}}. */
    private static byte[] moduleObjectPickle(String className) {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.writeBytes(new byte[] {PROTO, 2, GLOBAL});
        pickle.writeBytes(("__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
        pickle.writeBytes(new byte[] {EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, BINUNICODE});
        byte[] key = "training".getBytes(StandardCharsets.UTF_8);
        pickle.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(key.length).array());
        pickle.writeBytes(key);
        pickle.writeBytes(new byte[] {NEWTRUE, SETITEM, BUILD, STOP});
        return pickle.toByteArray();
    }

    /** Uncompressed, as {@code torch.jit.save} writes its records. */
    private static void store(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry entry = new ZipEntry(ARCHIVE_NAME + "/" + name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(content.length);
        entry.setCompressedSize(content.length);
        CRC32 crc = new CRC32();
        crc.update(content);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(content);
        zip.closeEntry();
    }
}
