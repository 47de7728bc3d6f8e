package ddpm4j.data;

import ddpm4j.io.FormatException;
import ddpm4j.io.Npy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * The uint8 [N,H,W] or [N,H,W,C] images of a .npy file, read from disk image by image as they are asked
 * for (positional reads, safe from several threads): memory holds only the images in flight, and the
 * file may be larger than one Java array (2 GB).
 */
public final class NpyImages implements ImageSource {
    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final int count;
    private final int height;
    private final int width;
    private final int channels;

    private NpyImages(Path file, FileChannel channel, long dataStart, long[] shape) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.count = (int) shape[0];
        this.height = (int) shape[1];
        this.width = (int) shape[2];
        this.channels = shape.length == 4 ? (int) shape[3] : 1;
    }

    /** Opens {@code file}, checking its header: uint8 images, [N,H,W] or [N,H,W,C] with C = 1 or 3. */
    public static NpyImages open(Path file) throws IOException {
        Npy.Header h = Npy.readHeader(file);
        long[] s = h.shape();
        requireImages(file, h.dtype(), s);
        if (s[0] > Integer.MAX_VALUE || s[1] * s[2] * (s.length == 4 ? s[3] : 1) > Integer.MAX_VALUE / 16) {
            throw new FormatException(file, "shape " + Arrays.toString(s) + " is too large");
        }
        return new NpyImages(file, FileChannel.open(file, StandardOpenOption.READ), h.dataStart(), s);
    }

    /** An array of images: uint8, [N,H,W] or [N,H,W,C] with C = 1 or 3, not empty. */
    static void requireImages(Path file, Npy.DType dtype, long[] s) throws FormatException {
        if (dtype != Npy.DType.UINT8) {
            throw new FormatException(file, "images must be uint8, got " + dtype.name().toLowerCase(Locale.ROOT));
        }
        if (!(s.length == 4 && (s[3] == 1 || s[3] == 3)) && s.length != 3) {
            throw new FormatException(file, "images must be [N,H,W,C] with C = 1 or 3, or [N,H,W]; got " + Arrays.toString(s));
        }
        if (s[0] == 0 || s[1] == 0 || s[2] == 0) {
            throw new FormatException(file, "holds no images (shape " + Arrays.toString(s) + ")");
        }
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int[] labels() {
        return null;
    }

    @Override
    public float[] modelSpace(int first, int n) {
        if (first < 0 || n < 0 || first + n > count) {
            throw new IndexOutOfBoundsException("images " + first + ".." + (first + n - 1) + " of " + count);
        }
        int per = height * width * channels;
        byte[] pixels = new byte[Math.multiplyExact(n, per)];
        ByteBuffer buffer = ByteBuffer.wrap(pixels);
        long position = dataStart + (long) first * per;
        try {
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, position + buffer.position());
                if (read < 0) {
                    throw new IOException("ends before image " + (first + n - 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return ImageSource.toModelSpace(pixels, 0, n, height, width, channels);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // read-only: nothing is lost
        }
    }
}
