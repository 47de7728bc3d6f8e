package ddpm4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTrip() throws Exception {
        Map<String, FloatArray> in = new LinkedHashMap<>();
        in.put("b.weight", new FloatArray(new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, 1e30f, -0f}));
        in.put("a.bias", new FloatArray(new long[] {1}, new float[] {42}));
        in.put("scalar", new FloatArray(new long[] {}, new float[] {7}));
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, in, Map.of("format", "pt"));
        Map<String, FloatArray> out = Safetensors.read(f);
        assertEquals(in.keySet(), out.keySet());
        for (String k : in.keySet()) {
            assertArrayEquals(in.get(k).shape(), out.get(k).shape(), k);
            assertArrayEquals(in.get(k).data(), out.get(k).data(), k);
        }
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "data section 8-byte aligned");
    }

    /** A file with the given JSON header and data bytes. */
    private Path file(String header, byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        out.write(data);
        Path f = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(f, out.toByteArray());
        return f;
    }

    @Test
    void readsHalfAndBfloat16() throws Exception {
        // binary16: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF, smallest subnormal 0x0001
        ByteBuffer half = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001}) {
            half.putShort((short) v);
        }
        // bfloat16 is the top half of a float32
        ByteBuffer bf = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {1.0f, -3.0f, 0.15625f}) {
            bf.putShort((short) (Float.floatToIntBits(v) >>> 16));
        }
        byte[] data = new byte[16];
        System.arraycopy(half.array(), 0, data, 0, 10);
        System.arraycopy(bf.array(), 0, data, 10, 6);
        Map<String, FloatArray> m = Safetensors.read(file("{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[10,16]},\"__metadata__\":{\"format\":\"pt\"}}", data));
        assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f, (float) Math.pow(2, -24)}, m.get("h").data());
        assertArrayEquals(new float[] {1f, -3f, 0.15625f}, m.get("b").data());
    }

    private void assertMalformed(String expected, Path f) {
        FormatException e = assertThrows(FormatException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
    }

    @Test
    void malformedFilesAreClearErrors() throws Exception {
        String ok = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] eight = new byte[8];
        Path shortFile = dir.resolve("short");
        Files.write(shortFile, new byte[3]);
        assertMalformed("too short", shortFile);
        Path pastEnd = dir.resolve("past");
        Files.write(pastEnd, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertMalformed("header length 1000", pastEnd);
        Path huge = dir.resolve("huge");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        assertMalformed("does not fit", huge);
        assertMalformed("not valid JSON", file("{\"x\": [", eight));
        assertMalformed("not a JSON object", file("[1,2]", eight));
        assertMalformed("unsupported dtype I64", file(ok.replace("F32", "I64"), eight));
        assertMalformed("needs 12", file(ok.replace("[2]", "[3]"), eight));
        assertMalformed("past the data section", file(ok.replace("[0,8]", "[4,12]").replace("[2]", "[2]"), eight));
        assertMalformed("overlaps", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight));
        assertMalformed("too large", file(ok.replace("[2]", "[4294967296, 4294967296]"), eight));
        assertMalformed("non-negative integer", file(ok.replace("[2]", "[-2]"), eight));
        assertMalformed("data_offsets must be", file(ok.replace("[0,8]", "[0]"), eight));
        assertMalformed("missing or non-text dtype", file("{\"x\":{\"shape\":[2],\"data_offsets\":[0,8]}}", eight));
        assertMalformed("names an entry twice", file(ok.replace("}}", "},\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"), eight));
        assertMalformed("__metadata__ must map strings to strings; 'step' is number",
                file(ok.replace("{\"x\"", "{\"__metadata__\":{\"format\":\"pt\",\"step\":5},\"x\""), eight));
        assertMalformed("__metadata__ must be a map of strings to strings, got array",
                file(ok.replace("{\"x\"", "{\"__metadata__\":[\"pt\"],\"x\""), eight));
        // string metadata, as torch and diffusers write it, is fine
        assertEquals(1, Safetensors.read(file(ok.replace("{\"x\"", "{\"__metadata__\":{\"format\":\"pt\"},\"x\""), eight)).size());
    }
}
