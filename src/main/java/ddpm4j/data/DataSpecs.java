package ddpm4j.data;

import ddpm4j.io.CacheDir;
import ddpm4j.io.FormatException;
import ddpm4j.io.Npy;
import ddpm4j.io.Npz;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves a data SPEC (DESIGN.md) to images: a named dataset with its split
 * ({@code fashion-mnist:train}, {@code mnist:test}, {@code cifar10:train}), a uint8 .npy of
 * [N,H,W,C] or [N,H,W], a .npz holding one such array (or one named {@code images}, {@code x} or
 * {@code arr_0}), or a folder of PNG/JPEG images or one such image (center-cropped and resized to the image size
 * asked for). Named datasets are looked for in {@code dataDir} (as DIR/NAME or DIR itself), then
 * in /usr/share/datasets/NAME (Debian's dataset packages), then in ~/.cache/ddpm4j/datasets/NAME,
 * where MNIST and Fashion-MNIST are downloaded from their official sources (SHA-256 checked) when
 * missing. Class labels come along where the data has them: the IDX label file beside the images,
 * CIFAR-10's label bytes, a .npz entry {@code labels} or {@code y}.
 */
public final class DataSpecs {
    private static final Logger LOG = LoggerFactory.getLogger(DataSpecs.class);
    /** Named datasets and their IDX files per split. */
    private static final List<String> IDX_DATASETS = List.of("fashion-mnist", "mnist");

    private DataSpecs() {
    }

    /**
     * Whether random horizontal flips suit the data of {@code spec} by default: not for MNIST and
     * Fashion-MNIST, whose digits and garments all face one way (a mirrored shoe is not in the
     * data), yes for everything else, as the paper flips CIFAR-10.
     */
    public static boolean flipsByDefault(String spec) {
        return !IDX_DATASETS.contains(datasetName(spec));
    }

    /** The NAME of a NAME[:SPLIT] spec. */
    private static String datasetName(String spec) {
        int colon = spec.indexOf(':');
        return colon < 0 ? spec : spec.substring(0, colon);
    }

    /**
     * The images of {@code spec} for a training run, which reads them by index: a .npy file and a folder are read
     * from disk as batches ask for them (a dataset larger than memory trains), the others are loaded.
     */
    public static ImageSource open(String spec, Path dataDir, int folderSize) throws IOException {
        String lower = spec.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".npy")) {
            if (!Files.isRegularFile(Path.of(spec))) {
                throw new NoSuchFileException(spec);
            }
            return NpyImages.open(Path.of(spec));
        }
        if (Files.isDirectory(Path.of(spec)) && folderSize != 0) {
            return ImageFolder.open(Path.of(spec), folderSize);
        }
        return load(spec, dataDir, folderSize);
    }

    public static ImageSet load(String spec) throws IOException {
        return load(spec, null);
    }

    public static ImageSet load(String spec, Path dataDir) throws IOException {
        return load(spec, dataDir, 0);
    }

    /**
     * @param folderSize the side images of a folder are resized to ({@link ImageFolder#nativeOr}: kept
     *                   as they are if they share a size; 0: a folder is an error)
     */
    public static ImageSet load(String spec, Path dataDir, int folderSize) throws IOException {
        String lower = spec.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".npy")) {
            return loadNpy(Path.of(spec));
        }
        if (lower.endsWith(".npz")) {
            return loadNpz(Path.of(spec));
        }
        if (Files.isDirectory(Path.of(spec)) || isImageFile(lower, Path.of(spec))) {
            if (folderSize == 0) {
                throw new IllegalArgumentException("data '" + spec + "' is a folder or an image: give the image size to resize to");
            }
            return ImageFolder.read(Path.of(spec), folderSize);
        }
        String name = datasetName(spec);
        int colon = spec.indexOf(':');
        String split = colon < 0 ? "train" : spec.substring(colon + 1);
        if ((IDX_DATASETS.contains(name) || name.equals("cifar10")) && !split.equals("train") && !split.equals("test")) {
            throw new IllegalArgumentException("data '" + spec + "': split must be train or test");
        }
        if (IDX_DATASETS.contains(name)) {
            String prefix = split.equals("train") ? "train" : "t10k";
            String file = prefix + "-images-idx3-ubyte";
            Path images = find(name, List.of(file + ".gz", file), dataDir);
            ImageSet set = Idx.readImages(images);
            Path labels = labelsBeside(images, prefix + "-labels-idx1-ubyte");
            if (labels == null && images.getParent().equals(cacheDir(name))) {
                labels = fetchLabels(name, prefix + "-labels-idx1-ubyte.gz");
            }
            return labels == null ? set : set.withLabels(Idx.readLabels(labels));
        }
        if (name.equals("cifar10")) {
            List<String> files = split.equals("train") ? Cifar10.TRAIN : Cifar10.TEST;
            Path first = find(name, List.of("cifar-10-batches-bin/" + files.get(0), files.get(0)), dataDir);
            List<Path> paths = new ArrayList<>();
            for (String f : files) {
                Path p = first.resolveSibling(f);
                if (!Files.isRegularFile(p)) {
                    throw new NoSuchFileException(p.toString());
                }
                paths.add(p);
            }
            return Cifar10.read(paths);
        }
        throw new IllegalArgumentException("data '" + spec + "': not a known dataset (fashion-mnist, mnist, cifar10),"
                + " a folder, a PNG or JPEG image, or a .npy/.npz file of uint8 images");
    }

    /** Whether {@code spec} names one PNG or JPEG file, read as a folder of one image. */
    private static boolean isImageFile(String lower, Path file) {
        return (lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg")) && Files.isRegularFile(file);
    }

    /** Standard places a named dataset is looked for, in order. */
    public static List<Path> searchPath(String name, Path dataDir) {
        List<Path> dirs = new ArrayList<>();
        if (dataDir != null) {
            dirs.add(dataDir.resolve(name));
            dirs.add(dataDir);
        }
        dirs.add(Path.of("/usr/share/datasets", name));
        dirs.add(cacheDir(name));
        return dirs;
    }

    private static Path cacheDir(String name) {
        return CacheDir.root().resolve("datasets").resolve(name);
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
        try {
            Path fetched = Downloads.fetchDataset(name, files.get(0), cacheDir(name));
            if (fetched != null) {
                return fetched;
            }
        } catch (java.net.ConnectException | java.net.UnknownHostException | java.net.http.HttpConnectTimeoutException e) {
            throw new DatasetNotFoundException(name + " (" + files.get(0) + ") not found in " + dirs
                    + " and the download failed (" + e.getClass().getSimpleName() + ")");
        }
        throw new DatasetNotFoundException(name + " (" + files.get(0) + ") not found in " + dirs
                + (name.equals("fashion-mnist") ? "; on Debian: apt-get install dataset-fashion-mnist" : ""));
    }

    /** The label file next to an IDX image file (gzipped or not), or null when there is none. */
    private static Path labelsBeside(Path images, String file) {
        for (String f : List.of(file + ".gz", file)) {
            Path p = images.resolveSibling(f);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** Downloads a label file into the cache like its images were; null when that is not possible. */
    private static Path fetchLabels(String name, String file) {
        try {
            return Downloads.fetchDataset(name, file, cacheDir(name));
        } catch (IOException e) {
            LOG.warn("{} labels not available ({}); images only", name, e.getMessage());
            return null;
        }
    }

    private static ImageSet loadNpy(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString());
        }
        return images(path, Npy.read(path));
    }

    private static ImageSet loadNpz(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString());
        }
        Map<String, Npy.Array> arrays = Npz.read(path);
        if (arrays.size() == 1) {
            return images(path, arrays.values().iterator().next());
        }
        for (String key : List.of("images", "x", "arr_0")) {
            if (arrays.containsKey(key)) {
                ImageSet set = images(path, arrays.get(key));
                for (String labelKey : List.of("labels", "y")) {
                    if (arrays.containsKey(labelKey)) {
                        return set.withLabels(labels(path, labelKey, arrays.get(labelKey), set.count()));
                    }
                }
                return set;
            }
        }
        throw new FormatException(path, "holds several arrays " + arrays.keySet() + "; name the images 'images'");
    }

    /** Integer class labels [N] from a .npz entry. */
    private static int[] labels(Path path, String key, Npy.Array a, int count) throws FormatException {
        if (a.shape().length != 1 || a.shape()[0] != count) {
            throw new FormatException(path, "'" + key + "' must hold one label per image: shape [" + count + "], got "
                    + Arrays.toString(a.shape()));
        }
        if (a.dtype() == Npy.DType.FLOAT32 || a.dtype() == Npy.DType.FLOAT64) {
            throw new FormatException(path, "'" + key + "' must be integer class labels, got " + a.dtype().name().toLowerCase(Locale.ROOT));
        }
        double[] values = a.toDoubles();
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            if (values[i] < 0 || values[i] > 65535) {
                throw new FormatException(path, "'" + key + "' holds label " + (long) values[i] + " at " + i + "; labels must be 0..65535");
            }
            out[i] = (int) values[i];
        }
        return out;
    }

    private static ImageSet images(Path path, Npy.Array a) throws FormatException {
        long[] s = a.shape();
        NpyImages.requireImages(path, a.dtype(), s);
        byte[] pixels = new byte[a.data().remaining()];
        a.data().duplicate().get(pixels);
        return new ImageSet(pixels, (int) s[0], (int) s[1], (int) s[2], s.length == 4 ? (int) s[3] : 1);
    }
}
