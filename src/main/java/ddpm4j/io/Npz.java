package ddpm4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.CRC32;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** NumPy's {@code .npz}: a zip of {@code NAME.npy} arrays (stored or deflated). */
public final class Npz {
    /** Arrays larger than this are refused (the .npy reader holds one in memory). */
    static final long MAX_ENTRY = Integer.MAX_VALUE - 64;

    private Npz() {
    }

    /** Every array in the file, by name (without ".npy"), in file order. */
    public static Map<String, Npy.Array> read(Path file) throws IOException {
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
                if (e.getSize() > MAX_ENTRY) {
                    throw new FormatException(file, "entry '" + name + "' is too large (" + e.getSize() + " bytes)");
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = in.readNBytes((int) Math.min(MAX_ENTRY, e.getSize() < 0 ? MAX_ENTRY : e.getSize()));
                }
                out.put(name.substring(0, name.length() - 4), Npy.parse(file, bytes));
            }
        } catch (ZipException e) {
            throw new FormatException(file, "not a readable .npz (zip) file: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new FormatException(file, "holds no arrays");
        }
        return out;
    }

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
