package ddpm4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.CRC32;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** NumPy's {@code .npz}: a zip of {@code NAME.npy} arrays (stored or deflated). */
public final class Npz {
    private Npz() {
    }

    /** Every array in the file, by name (without ".npy"), in file order. */
    public static Map<String, Npy.Array> read(Path file) throws IOException {
        FormatException.requireFile(file);
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName();
                if (!name.endsWith(".npy")) {
                    throw new FormatException(file, "entry '" + name + "' is not a .npy array");
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = readEntry(file, name, e.getSize(), in);
                }
                out.put(name.substring(0, name.length() - 4), Npy.parse(file, bytes));
            }
        } catch (IOException | RuntimeException e) {
            throw FormatException.ofZip(file, "not a readable .npz (zip) file", e);
        }
        if (out.isEmpty()) {
            throw new FormatException(file, "holds no arrays");
        }
        return out;
    }

    /**
     * One entry's .npy bytes, read no further than its header says (a zip's declared sizes are
     * not trusted): the prefix and header first, then exactly the data the shape needs.
     */
    private static byte[] readEntry(Path file, String name, long declared, InputStream in) throws IOException {
        try {
            return readEntry(file, declared, in);
        } catch (FormatException e) {
            throw new FormatException(file, "entry '" + name + "': " + e.problem());
        } catch (IOException | RuntimeException e) {
            throw new FormatException(file, "entry '" + name + "' is truncated or corrupt: " + e.getMessage());
        }
    }

    private static byte[] readEntry(Path file, long declared, InputStream in) throws IOException {
        byte[] prefix = in.readNBytes(12);
        int headerStart = Npy.prefixLength(file, prefix);
        if (prefix.length < headerStart) {
            throw new FormatException(file, "truncated .npy header");
        }
        long headerLen = Npy.headerLength(prefix, headerStart);
        if (headerLen > MAX_HEADER) {
            throw new FormatException(file, "header length " + headerLen + " is implausibly large");
        }
        if (headerStart + headerLen < prefix.length) {
            throw new FormatException(file, "header length " + headerLen + " is too short for a header");
        }
        byte[] head = java.util.Arrays.copyOf(prefix, (int) (headerStart + headerLen));
        int got = prefix.length + in.readNBytes(head, prefix.length, head.length - prefix.length);
        if (got < head.length) {
            throw new FormatException(file, "header length " + headerLen + " is past the end of the entry");
        }
        Npy.Header h = Npy.header(file, head);
        long total = h.totalBytes();
        if (declared >= 0 && declared != total) {
            throw new FormatException(file, "entry holds " + declared + " bytes but its header describes " + total);
        }
        if (total > Npy.MAX_BYTES) {
            throw new FormatException(file, "array is too large (" + total + " bytes; at most " + Npy.MAX_BYTES + ")");
        }
        if (total > heapRoom()) {
            System.gc(); // garbage not yet collected counts as used
            if (total > heapRoom()) {
                throw new FormatException(file, "array of " + total + " bytes does not fit in the Java heap (" + heapRoom()
                        + " bytes free; raise -Xmx)");
            }
        }
        byte[] bytes = java.util.Arrays.copyOf(head, (int) total);
        int data = in.readNBytes(bytes, head.length, bytes.length - head.length);
        if (head.length + data < total) {
            throw new FormatException(file, "truncated: " + (head.length + data) + " of " + total + " bytes");
        }
        return bytes;
    }

    private static long heapRoom() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Longer .npy headers are refused before they are read (NumPy writes them in under 100 bytes). */
    private static final int MAX_HEADER = 1 << 20;

    /** Writes arrays (complete .npy bytes, by name without ".npy") as an uncompressed .npz, atomically. */
    public static void write(Path file, Map<String, byte[]> arrays) throws IOException {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, byte[]> e : arrays.entrySet()) {
                byte[] bytes = e.getValue();
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(bytes.length);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(bytes);
                zip.closeEntry();
            }
            zip.finish();
        });
    }
}
