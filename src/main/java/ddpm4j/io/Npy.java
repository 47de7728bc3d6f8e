package ddpm4j.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format, versions 1–3, C order. Reads float32/64, uint8, int32/64 and
 * bool; writes float32 and uint8.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Element types this reader understands. */
    public enum DType {
        FLOAT32("<f4", 4), FLOAT64("<f8", 8), UINT8("|u1", 1), INT32("<i4", 4), INT64("<i8", 8), BOOL("|b1", 1);

        final String descr;
        final int size;

        DType(String descr, int size) {
            this.descr = descr;
            this.size = size;
        }

        static DType of(String descr) {
            String d = descr.equals("<u1") ? "|u1" : descr.equals("<b1") ? "|b1" : descr;
            for (DType t : values()) {
                if (t.descr.equals(d)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** An array as read: its type, shape and little-endian data. */
    public record Array(DType dtype, long[] shape, ByteBuffer data) {
        public long count() {
            return data.capacity() / dtype.size;
        }

        /** The values converted to float32. */
        public float[] toFloats() {
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[Math.toIntExact(count())];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) next(b);
            }
            return out;
        }

        /** The values as float64. */
        public double[] toDoubles() {
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            double[] out = new double[Math.toIntExact(count())];
            for (int i = 0; i < out.length; i++) {
                out[i] = next(b);
            }
            return out;
        }

        /** Reads the next element of this array's type from {@code b}. */
        private double next(ByteBuffer b) {
            return switch (dtype) {
                case FLOAT32 -> b.getFloat();
                case FLOAT64 -> b.getDouble();
                case UINT8, BOOL -> b.get() & 0xff;
                case INT32 -> b.getInt();
                case INT64 -> b.getLong();
            };
        }

        /** This array, after checking that {@code file}'s values are all finite; else where the first NaN or infinity is. */
        public Array requireFinite(Path file) throws FormatException {
            if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
                return this;
            }
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0, n = count(); i < n; i++) {
                double v = next(b);
                if (!Double.isFinite(v)) {
                    throw new FormatException(file, "holds " + v + " at index " + Arrays.toString(index(i))
                            + "; the values must be finite");
                }
            }
            return this;
        }

        /** The C-order index of flat element {@code flat}. */
        private long[] index(long flat) {
            long[] at = new long[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                at[d] = flat % shape[d];
                flat /= shape[d];
            }
            return at;
        }

        /** Integer values as int64; floats are refused rather than truncated, booleans rather than read as 0 and 1. */
        public long[] toLongs(Path file) throws FormatException {
            if (dtype == DType.FLOAT32 || dtype == DType.FLOAT64 || dtype == DType.BOOL) {
                throw new FormatException(file, "must hold integers, got " + dtype.name().toLowerCase(java.util.Locale.ROOT));
            }
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            long[] out = new long[Math.toIntExact(count())];
            for (int i = 0; i < out.length; i++) {
                out[i] = dtype == DType.INT64 ? b.getLong() : (long) next(b);
            }
            return out;
        }

        public FloatArray toFloatArray() {
            return new FloatArray(shape.clone(), toFloats());
        }
    }

    /** Arrays larger than this are refused (one Java array holds them). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    public static Array read(Path file) throws IOException {
        FormatException.requireFile(file);
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new FormatException(file, "is too large to read (" + size + " bytes; at most " + MAX_BYTES + ")");
        }
        return parse(file, Files.readAllBytes(file));
    }

    /**
     * What a .npy header says: the element type, the shape, where the data start and how many
     * bytes they take.
     */
    public record Header(DType dtype, long[] shape, int dataStart, long dataBytes) {
        long totalBytes() {
            return dataStart + dataBytes;
        }
    }

    /** The length of the fixed prefix (magic, version, header length) that {@link #header} needs first. */
    static int prefixLength(Path file, byte[] prefix) throws FormatException {
        if (prefix.length < 10 || !java.util.Arrays.equals(prefix, 0, 6, MAGIC, 0, 6)) {
            throw new FormatException(file, "not a .npy file (bad magic)");
        }
        int major = prefix[6];
        if (major == 1) {
            return 10;
        } else if (major == 2 || major == 3) {
            return 12;
        }
        throw new FormatException(file, "unsupported .npy version " + major);
    }

    /** The header's length: 2 (version 1) or 4 (versions 2, 3) little-endian bytes after magic and version. */
    static long headerLength(byte[] prefix, int headerStart) {
        ByteBuffer b = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN);
        return headerStart == 10 ? b.getShort(8) & 0xffff : b.getInt(8) & 0xffffffffL;
    }

    /** The header of .npy bytes that start with at least the magic, the version and the header itself. */
    static Header header(Path file, byte[] bytes) throws FormatException {
        return header(file, bytes, MAX_BYTES);
    }

    /**
     * The header of a .npy file of any size (its data are read elsewhere, by position), checked against the
     * file's length.
     */
    public static Header readHeader(Path file) throws IOException {
        FormatException.requireFile(file);
        byte[] head;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(1 << 16);
        }
        Header h = header(file, head, Long.MAX_VALUE);
        long size = Files.size(file);
        if (size != h.totalBytes()) {
            throw new FormatException(file, "data holds " + (size - h.dataStart()) + " bytes but shape "
                    + java.util.Arrays.toString(h.shape()) + " of " + h.dtype().descr + " needs " + h.dataBytes());
        }
        return h;
    }

    private static Header header(Path file, byte[] bytes, long maxBytes) throws FormatException {
        int headerStart = prefixLength(file, bytes);
        if (bytes.length < headerStart) {
            throw new FormatException(file, "truncated .npy header");
        }
        long headerLen = headerLength(bytes, headerStart);
        if (headerStart + headerLen > bytes.length) {
            throw new FormatException(file, "header length " + headerLen + " is past the end of the file");
        }
        String header = new String(bytes, headerStart, (int) headerLen,
                bytes[6] == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new FormatException(file, "malformed .npy header: " + header.strip());
        }
        DType dtype = DType.of(d.group(1));
        if (dtype == null) {
            throw new FormatException(file, "unsupported dtype '" + d.group(1)
                    + "' (float32/64, uint8, int32/64, bool little-endian are read)");
        }
        if (f.group(1).equals("True")) {
            throw new FormatException(file, "Fortran-order arrays are not supported; save with C order");
        }
        long[] shape = parseShape(file, s.group(1));
        long need = dtype.size;
        try {
            for (long dim : shape) {
                need = Math.multiplyExact(need, dim);
            }
        } catch (ArithmeticException e) {
            throw new FormatException(file, "shape is too large");
        }
        if (need > maxBytes) {
            throw new FormatException(file, "shape " + java.util.Arrays.toString(shape) + " is too large (" + need
                    + " bytes; at most " + MAX_BYTES + ")");
        }
        return new Header(dtype, shape, (int) (headerStart + headerLen), need);
    }

    static Array parse(Path file, byte[] bytes) throws FormatException {
        Header h = header(file, bytes);
        if (bytes.length - h.dataStart() != h.dataBytes()) {
            throw new FormatException(file, "data holds " + (bytes.length - h.dataStart()) + " bytes but shape "
                    + java.util.Arrays.toString(h.shape()) + " of " + h.dtype().descr + " needs " + h.dataBytes());
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, h.dataStart(), (int) h.dataBytes()).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new Array(h.dtype(), h.shape(), data);
    }

    private static long[] parseShape(Path file, String text) throws FormatException {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            try {
                long v = Long.parseLong(p);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new FormatException(file, "bad shape entry '" + part.strip() + "'");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** The complete .npy bytes of an array of {@code dtype} with raw little-endian {@code data}. */
    static byte[] encode(DType dtype, long[] shape, byte[] data) {
        StringBuilder shapeText = new StringBuilder("(");
        for (long d : shape) {
            shapeText.append(d).append(", ");
        }
        if (shape.length > 1) {
            shapeText.setLength(shapeText.length() - 2);
        } else if (shape.length == 1) {
            shapeText.setLength(shapeText.length() - 1);
        }
        shapeText.append(')');
        String dict = "{'descr': '" + dtype.descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String header = dict + " ".repeat(total - unpadded) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(total + data.length);
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write(header.length() >>> 8);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** The .npy bytes of a float64 array (e.g. an entry of an .npz). */
    public static byte[] encodeDoubles(long[] shape, double[] values) {
        checkFills(shape, values.length);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(values);
        return encode(DType.FLOAT64, shape, b.array());
    }

    public static void writeFloats(Path file, long[] shape, float[] values) throws IOException {
        AtomicFiles.write(file, encodeFloats(shape, values));
    }

    /** The .npy bytes of a float32 array. */
    public static byte[] encodeFloats(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        new FloatArray(shape, values); // validates the shape
        return encode(DType.FLOAT32, shape, b.array());
    }

    /** The .npy bytes of a uint8 array. */
    public static byte[] encodeBytes(long[] shape, byte[] values) {
        checkFills(shape, values.length);
        return encode(DType.UINT8, shape, values);
    }

    public static void writeLongs(Path file, long[] shape, long[] values) throws IOException {
        checkFills(shape, values.length);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        AtomicFiles.write(file, encode(DType.INT64, shape, b.array()));
    }

    public static void writeBytes(Path file, long[] shape, byte[] values) throws IOException {
        AtomicFiles.write(file, encodeBytes(shape, values));
    }

    private static void checkFills(long[] shape, int count) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != count) {
            throw new IllegalArgumentException(count + " values do not fill the shape");
        }
    }
}
