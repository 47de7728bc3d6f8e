package ddpm4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void floatAndByteRoundTrip() throws Exception {
        Path f = dir.resolve("f.npy");
        float[] v = {0.5f, -1f, 3f, 4f, 5f, 6f};
        Npy.writeFloats(f, new long[] {1, 2, 3}, v);
        Npy.Array a = Npy.read(f);
        assertEquals(Npy.DType.FLOAT32, a.dtype());
        assertArrayEquals(new long[] {1, 2, 3}, a.shape());
        assertArrayEquals(v, a.toFloats());
        byte[] header = Files.readAllBytes(f);
        assertEquals(0, (10 + (header[8] & 0xff)) % 64, "header padded to 64 bytes as NumPy writes it");

        Path b = dir.resolve("b.npy");
        byte[] img = {0, (byte) 255, 7};
        Npy.writeBytes(b, new long[] {3}, img);
        Npy.Array ba = Npy.read(b);
        assertEquals(Npy.DType.UINT8, ba.dtype());
        assertArrayEquals(new float[] {0, 255, 7}, ba.toFloats());
    }

    /** A .npy file as NumPy writes it, by hand: version, header text and data. */
    private Path npy(int major, String header, byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        byte[] h = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        if (major == 1) {
            out.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) h.length).array());
        } else {
            out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h.length).array());
        }
        out.write(h);
        out.write(data);
        Path f = Files.createTempFile(dir, "a", ".npy");
        Files.write(f, out.toByteArray());
        return f;
    }

    @Test
    void readsOtherTypesAndVersions() throws Exception {
        ByteBuffer longs = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(999).putLong(-3);
        Npy.Array a = Npy.read(npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", longs.array()));
        assertArrayEquals(new float[] {999, -3}, a.toFloats());
        ByteBuffer doubles = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.25);
        Npy.Array d = Npy.read(npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", doubles.array()));
        assertEquals(0, d.shape().length);
        assertArrayEquals(new double[] {0.25}, d.toDoubles());
    }

    private void assertMalformed(String expected, Path f) {
        FormatException e = assertThrows(FormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void malformedFilesAreClearErrors() throws Exception {
        Path bad = dir.resolve("bad.npy");
        Files.write(bad, "PK\u0003\u0004 not numpy".getBytes(StandardCharsets.ISO_8859_1));
        assertMalformed("bad magic", bad);
        String f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
        assertMalformed("needs 16", npy(1, f4, new byte[12]));
        assertMalformed("Fortran", npy(1, f4.replace("False", "True"), new byte[16]));
        assertMalformed("unsupported dtype '>f4'", npy(1, f4.replace("<f4", ">f4"), new byte[16]));
        assertMalformed("malformed .npy header", npy(1, "{'descr': '<f4'}", new byte[16]));
        assertMalformed("bad shape entry", npy(1, f4.replace("(2, 2)", "(2, x)"), new byte[16]));
        assertMalformed("too large", npy(1, f4.replace("(2, 2)", "(4294967296, 4294967296, 4294967296)"), new byte[16]));
        assertMalformed("unsupported .npy version 9", npy(9, f4, new byte[16]));
    }

    /** An .npz entry is read as far as its .npy header says, and must hold exactly that. */
    @Test
    void npzEntriesAreCheckedAgainstTheirHeaders() throws Exception {
        String u1 = "{'descr': '|u1', 'fortran_order': False, 'shape': (100,), }";
        Path good = dir.resolve("good.npz");
        Npz.write(good, java.util.Map.of("a", Files.readAllBytes(npy(2, u1, new byte[100]))));
        assertArrayEquals(new long[] {100}, Npz.read(good).get("a").shape());
        Path short_ = dir.resolve("short.npz");
        Npz.write(short_, java.util.Map.of("a", Files.readAllBytes(npy(1, u1, new byte[50]))));
        FormatException e = assertThrows(FormatException.class, () -> Npz.read(short_));
        assertTrue(e.getMessage().contains("but its header describes"), e.getMessage());
        Path huge = dir.resolve("huge.npz");
        Npz.write(huge, java.util.Map.of("a", Files.readAllBytes(npy(1, u1.replace("(100,)", "(3000000000,)"), new byte[0]))));
        e = assertThrows(FormatException.class, () -> Npz.read(huge));
        assertTrue(e.getMessage().contains("entry 'a.npy': shape [3000000000] is too large"), e.getMessage());
        Path noHeader = dir.resolve("cut.npz");
        Npz.write(noHeader, java.util.Map.of("a", java.util.Arrays.copyOf(Files.readAllBytes(npy(1, u1, new byte[0])), 20)));
        e = assertThrows(FormatException.class, () -> Npz.read(noHeader));
        assertTrue(e.getMessage().contains("past the end of the entry"), e.getMessage());
    }

    @Test
    void nonFiniteValuesAreNamedByIndexAndFloatsAreNotTakenForIntegers(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("a.npy");
        Files.write(f, Npy.encodeDoubles(new long[] {2, 3}, new double[] {0, 1, 2, 3, Double.POSITIVE_INFINITY, 5}));
        FormatException e = org.junit.jupiter.api.Assertions.assertThrows(FormatException.class, () -> Npy.read(f).requireFinite(f));
        assertEquals(f + ": holds Infinity at index [1, 1]; the values must be finite", e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(FormatException.class, () -> Npy.read(f).toLongs(f));
        Path flags = tmp.resolve("b.npy");
        Files.write(flags, Npy.encode(Npy.DType.BOOL, new long[] {2}, new byte[] {1, 0}));
        FormatException bool = org.junit.jupiter.api.Assertions.assertThrows(FormatException.class, () -> Npy.read(flags).toLongs(flags));
        assertEquals(flags + ": must hold integers, got bool", bool.getMessage());
        Path g = tmp.resolve("t.npy");
        Npy.writeLongs(g, new long[] {3}, new long[] {-2, 0, 1L << 40});
        assertArrayEquals(new long[] {-2, 0, 1L << 40}, Npy.read(g).requireFinite(g).toLongs(g));
    }
}
