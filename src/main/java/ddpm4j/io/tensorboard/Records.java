package ddpm4j.io.tensorboard;

import ddpm4j.io.FormatException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The record framing of TensorBoard's event files (TFRecord): each record is its length as a little-endian
 * uint64, the masked CRC-32C of those 8 bytes, the bytes themselves, and their masked CRC-32C.
 */
public final class Records {
    private static final int MASK_DELTA = 0xa282ead8;

    private Records() {
    }

    /** CRC-32C rotated right by 15 bits plus a constant, as TFRecord stores it (a CRC of data holding CRCs stays useful). */
    static int maskedCrc32c(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    /** Appends one record holding {@code data}. */
    public static void write(OutputStream out, byte[] data) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(data.length);
        head.putInt(maskedCrc32c(head.array(), 0, 8));
        out.write(head.array());
        out.write(data);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maskedCrc32c(data, 0, data.length)).array());
    }

    /**
     * Every whole record of {@code file}. A last record cut short (the write a crash interrupted) is dropped;
     * a checksum that does not match is a {@link FormatException}.
     */
    public static List<byte[]> readAll(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> records = new ArrayList<>();
        while (b.remaining() >= 12) {
            int start = b.position();
            long length = b.getLong();
            if (b.getInt() != maskedCrc32c(b.array(), start, 8)) {
                throw new FormatException(file, "record at byte " + start + ": the length's checksum does not match");
            }
            if (length < 0) { // an unsigned 64-bit length past 2^63: no file holds that
                throw new FormatException(file, "record at byte " + start + ": its length " + Long.toUnsignedString(length) + " is larger than any file");
            }
            if (length > b.remaining() - 4L) {
                return records; // cut short
            }
            byte[] data = new byte[(int) length];
            b.get(data);
            if (b.getInt() != maskedCrc32c(data, 0, data.length)) {
                throw new FormatException(file, "record at byte " + start + ": the data's checksum does not match");
            }
            records.add(data);
        }
        return records;
    }
}
