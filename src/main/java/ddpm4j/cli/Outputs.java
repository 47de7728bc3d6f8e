package ddpm4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Checks on output paths, made before any work starts. */
final class Outputs {
    private Outputs() {
    }

    /** The lower-case extension of {@code out}, which must be one of {@code allowed}. */
    static String extension(Path out, String option, List<String> allowed) {
        String name = out.getFileName() == null ? "" : out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (!allowed.contains(ext)) {
            throw new UserException(option + " must end in ." + String.join(" or .", allowed) + ", got '" + out + "'");
        }
        return ext;
    }

    /**
     * Writes model-space images as the sample and edit commands' {@code --out} says: with {@code raw} float32
     * [N,C,H,W] as they are, else uint8 images, [N,H,W,C] in an .npy or a PNG grid.
     */
    static void writeImages(Path out, String ext, boolean raw, float[] images, int count, int c, int h, int w) throws IOException {
        ddpm4j.io.AtomicFiles.write(out, ddpm4j.io.Images.encode(ext, raw, images, count, c, h, w));
    }

    /** What {@link #prepare} does for a missing folder, for the options' help. */
    static final String CREATES_FOLDERS = " Missing folders are created.";

    /** Creates the parent folder of {@code out} and checks that it can be written. */
    static void prepare(Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (java.nio.file.FileSystemException e) {
            throw new UserException("cannot create " + parent + " (" + (e.getReason() != null ? e.getReason() : ddpm4j.io.IoErrors.describe(e)) + ")");
        }
        if (!Files.isWritable(parent)) {
            throw new UserException("cannot write to " + parent);
        }
        if (Files.isDirectory(out)) {
            throw new UserException(out + " is a directory");
        }
    }
}
