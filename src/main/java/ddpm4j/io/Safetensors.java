package ddpm4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each name
 * to {dtype, shape, data_offsets}, then the raw little-endian data. Reads F32, F16, BF16 and F64
 * (converted to float32); writes F32.
 */
public final class Safetensors {
    /** Headers larger than this are refused (the reference implementation uses 100 MB). */
    static final long MAX_HEADER = 100L << 20;
    /** Refuses a name given twice, as the reference implementation does (Jackson would keep the last). */
    private static final ObjectMapper JSON = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Safetensors() {
    }

    private record Entry(String name, String dtype, long[] shape, long begin, long end) {
    }

    /** Every tensor in the file, in header order. */
    public static Map<String, FloatArray> read(Path file) throws IOException {
        FormatException.requireFile(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new FormatException(file, "too short for a safetensors file (" + size + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new FormatException(file, "header length " + Long.toUnsignedString(headerLen)
                        + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8, file);
            List<Entry> entries = parseHeader(file, new String(headerBuf.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLen;
            checkLayout(file, entries, size - dataStart);
            Map<String, FloatArray> out = new LinkedHashMap<>();
            for (Entry e : entries) {
                ByteBuffer raw = ByteBuffer.allocate((int) (e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, raw, dataStart + e.begin, file);
                raw.flip();
                out.put(e.name, new FloatArray(e.shape, decode(raw, e.dtype)));
            }
            return out;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new FormatException(file, "unexpected end of file");
            }
            pos += n;
        }
    }

    private static List<Entry> parseHeader(Path file, String text) throws FormatException {
        JsonNode root;
        try {
            root = JSON.readTree(text.strip());
        } catch (com.fasterxml.jackson.core.exc.StreamReadException e) {
            String why = e.getOriginalMessage();
            throw new FormatException(file, why.startsWith("Duplicate") ? "header names an entry twice (" + why + ")"
                    : "header is not valid JSON: " + why);
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(file, "header is not a JSON object");
        }
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                checkMetadata(file, f.getValue());
                continue;
            }
            entries.add(parseEntry(file, f.getKey(), f.getValue()));
        }
        return entries;
    }

    /** {@code __metadata__} maps strings to strings, nothing else. */
    private static void checkMetadata(Path file, JsonNode metadata) throws FormatException {
        if (!metadata.isObject()) {
            throw new FormatException(file, "__metadata__ must be a map of strings to strings, got " + metadata.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new FormatException(file, "__metadata__ must map strings to strings; '" + m.getKey() + "' is "
                        + m.getValue().getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
    }

    private static Entry parseEntry(Path file, String name, JsonNode node) throws FormatException {
        String where = "tensor '" + name + "': ";
        if (!node.isObject()) {
            throw new FormatException(file, where + "entry is not an object");
        }
        JsonNode dtype = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) {
            throw new FormatException(file, where + "missing or non-text dtype");
        }
        if (elementSize(dtype.asText()) == 0) {
            throw new FormatException(file, where + "unsupported dtype " + dtype.asText() + " (F32, F16, BF16, F64 are read)");
        }
        if (shape == null || !shape.isArray()) {
            throw new FormatException(file, where + "missing or non-array shape");
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new FormatException(file, where + "data_offsets must be [begin, end]");
        }
        long[] dims = new long[shape.size()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new FormatException(file, where + "shape entry " + d + " is not a non-negative integer");
            }
            dims[i] = d.asLong();
            try {
                count = Math.multiplyExact(count, dims[i]);
            } catch (ArithmeticException ex) {
                throw new FormatException(file, where + "shape " + shape + " is too large");
            }
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new FormatException(file, where + "shape " + shape + " is too large");
        }
        long begin = offset(file, where, offsets.get(0));
        long end = offset(file, where, offsets.get(1));
        long expected = count * elementSize(dtype.asText());
        if (end < begin || end - begin != expected) {
            throw new FormatException(file, where + "data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin) + " bytes but shape " + shape + " of " + dtype.asText() + " needs " + expected);
        }
        return new Entry(name, dtype.asText(), dims, begin, end);
    }

    private static long offset(Path file, String where, JsonNode n) throws FormatException {
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw new FormatException(file, where + "data offset " + n + " is not a non-negative integer");
        }
        return n.asLong();
    }

    /** Offsets must lie inside the data section and not overlap. */
    private static void checkLayout(Path file, List<Entry> entries, long dataSize) throws FormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        for (Entry e : sorted) {
            if (e.end > dataSize) {
                throw new FormatException(file, "tensor '" + e.name + "': data_offsets end " + e.end
                        + " is past the data section of " + dataSize + " bytes");
            }
            if (e.begin < covered && e.end > e.begin) {
                throw new FormatException(file, "tensor '" + e.name + "' overlaps another tensor's data");
            }
            covered = Math.max(covered, e.end);
        }
    }

    static int elementSize(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64" -> 8;
            default -> 0;
        };
    }

    private static float[] decode(ByteBuffer raw, String dtype) {
        int n = raw.remaining() / elementSize(dtype);
        float[] out = new float[n];
        switch (dtype) {
            case "F32" -> raw.asFloatBuffer().get(out);
            case "F64" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) raw.getDouble();
                }
            }
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(raw.getShort());
                }
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((raw.getShort() & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException(dtype);
        }
        return out;
    }

    /** IEEE 754 binary16 to float32 (exact: every half is a float). */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h >>> 15) << 31;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal or zero
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Writes every array as F32, names sorted, with the given string metadata. */
    public static void write(Path file, Map<String, FloatArray> tensors, Map<String, String> metadata) throws IOException {
        Map<String, FloatArray> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, FloatArray> e : sorted.entrySet()) {
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long bytes = e.getValue().count() * 4;
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        int padded = (headerBytes.length + 7) / 8 * 8; // the data section starts 8-byte aligned
        byte[] headerOut = new byte[padded];
        java.util.Arrays.fill(headerOut, (byte) ' ');
        System.arraycopy(headerBytes, 0, headerOut, 0, headerBytes.length);
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(headerOut);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (FloatArray a : sorted.values()) {
                float[] d = a.data();
                for (int i = 0; i < d.length; ) {
                    chunk.clear();
                    FloatBuffer fb = chunk.asFloatBuffer();
                    int n = Math.min(fb.remaining(), d.length - i);
                    fb.put(d, i, n);
                    out.write(chunk.array(), 0, n * 4);
                    i += n;
                }
            }
        });
    }
}
