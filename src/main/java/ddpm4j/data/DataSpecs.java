package ddpm4j.data;

import ddpm4j.io.FormatException;
import ddpm4j.io.Npy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Resolves a data SPEC (DESIGN.md) to images: a named dataset with its split
 * ({@code fashion-mnist:train}, {@code mnist:test}), or a uint8 .npy of [N,H,W,C] or [N,H,W].
 * Named datasets are looked for in {@code dataDir} (as DIR/NAME or DIR itself), then in
 * /usr/share/datasets/NAME (Debian's dataset packages), then in ~/.cache/ddpm4j/datasets/NAME.
 */
public final class DataSpecs {
    /** Named datasets and their IDX files per split. */
    private static final List<String> IDX_DATASETS = List.of("fashion-mnist", "mnist");

    private DataSpecs() {
    }

    public static ImageSet load(String spec) throws IOException {
        return load(spec, null);
    }

    public static ImageSet load(String spec, Path dataDir) throws IOException {
        if (spec.toLowerCase(Locale.ROOT).endsWith(".npy")) {
            return loadNpy(Path.of(spec));
        }
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        String split = colon < 0 ? "train" : spec.substring(colon + 1);
        if (IDX_DATASETS.contains(name)) {
            if (!split.equals("train") && !split.equals("test")) {
                throw new IllegalArgumentException("data '" + spec + "': split must be train or test");
            }
            String file = (split.equals("train") ? "train" : "t10k") + "-images-idx3-ubyte";
            return Idx.readImages(find(name, List.of(file + ".gz", file), dataDir));
        }
        throw new IllegalArgumentException("data '" + spec + "': not a known dataset (" + String.join(", ", IDX_DATASETS)
                + ") or a .npy file of uint8 images");
    }

    /** Standard places a named dataset is looked for, in order. */
    public static List<Path> searchPath(String name, Path dataDir) {
        List<Path> dirs = new ArrayList<>();
        if (dataDir != null) {
            dirs.add(dataDir.resolve(name));
            dirs.add(dataDir);
        }
        dirs.add(Path.of("/usr/share/datasets", name));
        dirs.add(Path.of(System.getProperty("user.home"), ".cache", "ddpm4j", "datasets", name));
        return dirs;
    }

    private static Path find(String name, List<String> files, Path dataDir) throws IOException {
        List<Path> dirs = searchPath(name, dataDir);
        for (Path dir : dirs) {
            for (String f : files) {
                Path p = dir.resolve(f);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw new NoSuchFileException(name + " (" + files.get(0) + ") not found in " + dirs
                + (name.equals("fashion-mnist") ? "; on Debian: apt-get install dataset-fashion-mnist" : "")
                + "; or pass --data-dir");
    }

    private static ImageSet loadNpy(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString());
        }
        Npy.Array a = Npy.read(path);
        long[] s = a.shape();
        if (a.dtype() != Npy.DType.UINT8) {
            throw new FormatException(path, "images must be uint8, got " + a.dtype().name().toLowerCase(Locale.ROOT));
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
