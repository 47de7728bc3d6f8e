package ddpm4j.data;

import ddpm4j.io.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CIFAR-10's binary version: files of 10,000 records, each a label byte then 3 × 1024 bytes (the
 * red, green and blue planes of a 32×32 image, row by row).
 */
public final class Cifar10 {
    static final int RECORD = 1 + 3 * 32 * 32;
    public static final List<String> TRAIN = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");
    public static final List<String> TEST = List.of("test_batch.bin");

    private Cifar10() {
    }

    /** The images of the given batch files, in order, as NHWC RGB, with their labels. */
    public static ImageSet read(List<Path> files) throws IOException {
        long total = 0;
        for (Path f : files) {
            long size = Files.size(f);
            if (size == 0 || size % RECORD != 0) {
                throw new FormatException(f, "size " + size + " is not a whole number of " + RECORD + "-byte CIFAR-10 records");
            }
            total += size / RECORD;
        }
        if (total * 3072 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many CIFAR-10 images: " + total);
        }
        byte[] pixels = new byte[(int) total * 3072];
        int[] labels = new int[(int) total];
        int image = 0;
        for (Path f : files) {
            byte[] raw = Files.readAllBytes(f);
            for (int r = 0; r < raw.length / RECORD; r++, image++) {
                int label = raw[r * RECORD] & 0xff;
                if (label > 9) {
                    throw new FormatException(f, "record " + r + " has label " + label + "; CIFAR-10 labels are 0–9");
                }
                labels[image] = label;
                int base = r * RECORD + 1;
                for (int p = 0; p < 1024; p++) {
                    for (int c = 0; c < 3; c++) {
                        pixels[(image * 1024 + p) * 3 + c] = raw[base + c * 1024 + p];
                    }
                }
            }
        }
        return new ImageSet(pixels, (int) total, 32, 32, 3, labels);
    }
}
