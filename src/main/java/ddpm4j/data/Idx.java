package ddpm4j.data;

import ddpm4j.io.FormatException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** The IDX format of MNIST and Fashion-MNIST (gzipped or not): uint8 images [N, rows, cols] and labels [N]. */
public final class Idx {
    private static final int UBYTE_3D = 0x00000803;
    private static final int UBYTE_1D = 0x00000801;

    private Idx() {
    }

    public static ImageSet readImages(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readImages(in, file);
        }
    }

    /** Reads IDX images from a stream; {@code file} names it in error messages. */
    public static ImageSet readImages(InputStream stream, Path file) throws IOException {
        try {
            DataInputStream data = open(stream);
            int magic = data.readInt();
            if (magic != UBYTE_3D) {
                throw new FormatException(file, String.format("not an IDX image file (magic 0x%08x, expected 0x%08x)", magic, UBYTE_3D));
            }
            int n = data.readInt();
            int rows = data.readInt();
            int cols = data.readInt();
            if (n <= 0 || rows <= 0 || cols <= 0 || (long) rows * cols > Integer.MAX_VALUE || (long) n * rows * cols > Integer.MAX_VALUE - 8) {
                throw new FormatException(file, "bad IDX dimensions " + n + "x" + rows + "x" + cols);
            }
            byte[] pixels = new byte[n * rows * cols];
            data.readFully(pixels);
            return new ImageSet(pixels, n, rows, cols, 1);
        } catch (EOFException e) {
            throw new FormatException(file, "truncated: the file ends before its header's image count");
        } catch (java.util.zip.ZipException e) {
            throw new FormatException(file, "corrupt gzip data: " + e.getMessage());
        }
    }

    /** Reads an IDX label file: one unsigned byte per image. */
    public static int[] readLabels(Path file) throws IOException {
        try (InputStream stream = Files.newInputStream(file)) {
            DataInputStream data = open(stream);
            int magic = data.readInt();
            if (magic != UBYTE_1D) {
                throw new FormatException(file, String.format("not an IDX label file (magic 0x%08x, expected 0x%08x)", magic, UBYTE_1D));
            }
            int n = data.readInt();
            if (n <= 0 || n > Integer.MAX_VALUE - 8) {
                throw new FormatException(file, "bad IDX label count " + n);
            }
            byte[] raw = new byte[n];
            data.readFully(raw);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return labels;
        } catch (EOFException e) {
            throw new FormatException(file, "truncated: the file ends before its header's label count");
        } catch (java.util.zip.ZipException e) {
            throw new FormatException(file, "corrupt gzip data: " + e.getMessage());
        }
    }

    /** The stream's bytes, gunzipped when they start with gzip's magic number. */
    private static DataInputStream open(InputStream stream) throws IOException {
        InputStream raw = new BufferedInputStream(stream, 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        return new DataInputStream(b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw);
    }
}
