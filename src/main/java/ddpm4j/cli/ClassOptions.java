package ddpm4j.cli;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.io.Model;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Conditioning;
import ddpm4j.sample.Generation;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code --class} and {@code --guidance} for class-conditional models. */
final class ClassOptions {
    @Option(names = "--class", split = ",", paramLabel = "K[,K...]",
            description = "Class-conditional models: the class of each image, repeated over the images (default: all classes in turn).")
    List<Integer> classes;

    @Option(names = "--guidance", paramLabel = "W",
            description = "Classifier-free guidance scale: 1 plain conditional, > 1 stronger (default: 1).")
    Double guidance;

    /** For reports: the classes and the guidance, or nothing for the defaults. */
    String describe() {
        return (classes == null ? "" : ", class " + classes.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")))
                + (guidance == null ? "" : ", guidance " + guidance);
    }

    /**
     * The model as an unconditional denoiser: a class-conditional network gets the no-class label
     * for every image (what the data-driven figures and bits/dim use).
     */
    static Denoiser unconditional(Model m) {
        try {
            return Conditioning.unconditional(m);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** The classes asked for, checked against a model with {@code known} classes (a no-class label after them where {@code nullLabel}). */
    private List<Integer> cycle(int known, boolean nullLabel) {
        List<Integer> cycle = classes;
        if (cycle == null) {
            cycle = new java.util.ArrayList<>();
            for (int k = 0; k < known; k++) {
                cycle.add(k);
            }
        }
        for (int k : cycle) {
            if (k < 0 || k >= known) {
                throw new UserException("--class values must be in [0, " + known + ")" + (nullLabel ? " (label " + known
                        + " is the no-class label)" : "") + ", got " + k);
            }
        }
        return cycle;
    }

    /** The class asked for of each of images first..first+n−1 of a class-conditional model. */
    int[] classesOf(Model m, int first, int n) {
        List<Integer> labels = cycle(m.classCount(), m.hasNoClassLabel());
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = labels.get((first + i) % labels.size());
        }
        return y;
    }

    /** Guidance 0: the samples ignore their classes. */
    boolean unguided() {
        return guidance != null && guidance == 0;
    }

    void validate() {
        if (guidance != null && !(guidance >= 0 && Double.isFinite(guidance))) {
            throw new UserException("--guidance must be a non-negative number, got " + guidance);
        }
    }

    /** The network for images first..first+count−1: the model itself, or bound to those images' classes. */
    Generation.PerImages network(Model m) {
        UNetConfig c = m.unet().config();
        if (!c.classConditional()) {
            if (classes != null || guidance != null) {
                throw new UserException("--class and --guidance need a class-conditional model (num_class_embeds in config.json)");
            }
            Denoiser plain = m.unet()::infer;
            return (first, count) -> plain;
        }
        int[] cycle = cycle(m.classCount(), m.hasNoClassLabel()).stream().mapToInt(Integer::intValue).toArray();
        if (!m.hasNoClassLabel() && guidance != null && guidance != 1) {
            throw new UserException("--guidance needs a no-class label, which this model has not (a consistency model uses every class embedding)");
        }
        return new Conditioning(cycle, m.classCount(), guidance == null ? 1.0 : guidance).perImages(m.unet()::infer, c.inChannels());
    }
}
