package ddpm4j.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.nn.Classifier;
import ddpm4j.nn.ClassifierConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A judge directory: {@code judge.json} (the classifier's shape and where it was trained) and
 * {@code judge.safetensors} (its weights).
 */
public final class JudgeFiles {
    public static final String CONFIG = "judge.json";
    public static final String WEIGHTS = "judge.safetensors";

    /**
     * What judge.json says besides the shape.
     *
     * @param trainedOn    the data SPEC of its training split
     * @param testAccuracy accuracy on the test split, in [0, 1], or NaN when not measured
     */
    public record Info(ClassifierConfig config, String trainedOn, double testAccuracy) {
    }

    private JudgeFiles() {
    }

    public static Info readInfo(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + " (not a judge directory)");
        }
        JsonFields f = JsonFields.read(file);
        f.expect("_class_name", "Judge");
        f.text("_ddpm4j_version", ConfigJson.VERSION);
        try {
            ClassifierConfig c = new ClassifierConfig(f.requiredInt("in_channels"), f.requiredInt("sample_size"),
                    f.requiredInt("num_classes"), f.requiredInt("width"), f.requiredInt("feature_dim"));
            Info info = new Info(c, f.text("trained_on", ""), f.number("test_accuracy", Double.NaN));
            f.rejectUnknown();
            return info;
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, e.getMessage());
        }
    }

    /** The classifier of a judge directory with its weights loaded. */
    public static Classifier load(Path dir, Info info) throws IOException {
        Classifier net = new Classifier(info.config(), 0);
        try {
            Path weights = dir.resolve(WEIGHTS);
            Weights.load(net.stateDict(), Safetensors.read(weights), weights, CONFIG);
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** Writes the weights, then judge.json, each atomically. */
    public static void save(Path dir, Classifier net, Info info) throws IOException {
        Files.createDirectories(dir);
        Safetensors.write(dir.resolve(WEIGHTS), Weights.of(net.stateDict()), Map.of("format", "pt"));
        ClassifierConfig c = info.config();
        ObjectNode o = JsonFields.JSON.createObjectNode();
        o.put("_class_name", "Judge");
        o.put("_ddpm4j_version", ConfigJson.VERSION);
        o.put("in_channels", c.inChannels());
        o.put("sample_size", c.imageSize());
        o.put("num_classes", c.classes());
        o.put("width", c.width());
        o.put("feature_dim", c.featureDim());
        o.put("trained_on", info.trainedOn());
        if (!Double.isNaN(info.testAccuracy())) {
            o.put("test_accuracy", info.testAccuracy());
        }
        AtomicFiles.write(dir.resolve(CONFIG), JsonFields.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
    }
}
