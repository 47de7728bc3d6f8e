package ddpm4j.data;

import ddpm4j.io.FormatException;
import ddpm4j.io.Npy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Resolves a data SPEC (see DESIGN.md) to images. Supported now: a uint8 .npy of [N,H,W,C] or [N,H,W]. */
public final class DataSpecs {
    private DataSpecs() {
    }

    public static ImageSet load(String spec) throws IOException {
        Path path = Path.of(spec);
        if (!spec.toLowerCase(java.util.Locale.ROOT).endsWith(".npy")) {
            throw new IllegalArgumentException("data '" + spec + "': only uint8 .npy arrays [N,H,W,C] are supported so far");
        }
        if (!Files.isRegularFile(path)) {
            throw new java.nio.file.NoSuchFileException(spec);
        }
        Npy.Array a = Npy.read(path);
        long[] s = a.shape();
        if (a.dtype() != Npy.DType.UINT8) {
            throw new FormatException(path, "images must be uint8, got " + a.dtype().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (!(s.length == 4 && (s[3] == 1 || s[3] == 3)) && s.length != 3) {
            throw new FormatException(path, "images must be [N,H,W,C] with C = 1 or 3, or [N,H,W]; got " + Arrays.toString(s));
        }
        if (s[0] == 0 || s[1] == 0 || s[2] == 0) {
            throw new FormatException(path, "holds no images (shape " + Arrays.toString(s) + ")");
        }
        byte[] pixels = new byte[a.data().remaining()];
        a.data().duplicate().get(pixels);
        return new ImageSet(pixels, (int) s[0], (int) s[1], (int) s[2], s.length == 4 ? (int) s[3] : 1);
    }
}
