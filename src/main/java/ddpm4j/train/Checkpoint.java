package ddpm4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import ddpm4j.io.AtomicFiles;
import ddpm4j.io.FloatArray;
import ddpm4j.io.FormatException;
import ddpm4j.io.IoErrors;
import ddpm4j.io.Safetensors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code OUT/training_state/}: everything needed to continue a run. Each checkpoint is a folder
 * {@code step-N} written in full under a temporary name and then renamed; the file {@code latest}
 * (replaced atomically afterwards) names the newest complete one. A crash at any moment leaves the
 * previous checkpoint readable.
 */
public final class Checkpoint {
    public static final String DIR = "training_state";
    static final String LATEST = "latest";
    static final String WEIGHTS = "weights.safetensors";
    static final String EMA = "ema.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String TIMESTEPS = "timesteps.safetensors";
    static final String SETTINGS = "settings.json";
    static final String STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One checkpoint's contents.
     *
     * @param step      optimizer steps done
     * @param settings  the run's settings
     * @param weights   raw weights θ
     * @param ema       EMA weights
     * @param optimizer Adam moments
     * @param timesteps loss-aware sampler history (empty map if not used)
     * @param pending   the losses of the steps since the last metrics line, so that a resumed run logs
     *                  the same means as an uninterrupted one
     * @param best      with {@code keep_best}: the best score so far and its step, or null before the first
     * @param profiles  the power-function EMAs' weights by σ_rel (empty without {@code ema_profiles})
     */
    public record State(long step, TrainSettings settings, Map<String, FloatArray> weights, Map<String, FloatArray> ema,
                        Map<String, FloatArray> optimizer, Map<String, FloatArray> timesteps, PendingLosses pending, Best best,
                        Map<Double, Map<String, FloatArray>> profiles) {
    }

    /** The file of a power-function EMA's weights in a checkpoint. */
    static String profileFile(double sigmaRel) {
        return "ema-power-" + sigmaRel + ".safetensors";
    }

    /** The lowest score of a run's evaluations so far and the step it was measured at. */
    public record Best(double score, long step) {
    }

    /**
     * A run's saved settings; a key it lacks (a setting added after the run was saved) takes its
     * default, as the run had it before the setting existed. Unknown keys are errors.
     */
    /** {@code settings} as a checkpoint's settings.json holds them. */
    static String settingsJson(TrainSettings settings) throws IOException {
        return JSON.writeValueAsString(settings);
    }

    static TrainSettings readSettings(byte[] json) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode merged = JSON.valueToTree(TrainSettings.DEFAULTS);
        if (!(JSON.readTree(json) instanceof com.fasterxml.jackson.databind.node.ObjectNode saved)) {
            throw new com.fasterxml.jackson.core.JsonParseException(null, "the settings are not a JSON object");
        }
        merged.setAll(saved);
        return JSON.treeToValue(merged, TrainSettings.class);
    }

    /**
     * The log's running state: the sum and count of the losses not yet logged (0 and 0 in checkpoints written before these
     * were kept) and the seconds spent in training steps so far (NaN in checkpoints written before those were kept).
     */
    public record PendingLosses(double sum, int count, double trainSeconds) {
    }

    /** The step and what goes with it; the best score's fields are null before the first evaluation (or in older checkpoints). */
    private record Meta(long step, int format, double pendingLossSum, int pendingLossCount, Double bestScore, Long bestStep,
                        Double trainSeconds) {
    }

    private Checkpoint() {
    }

    public static boolean exists(Path out) {
        return Files.isRegularFile(out.resolve(DIR).resolve(LATEST));
    }

    public static void save(Path out, State s) throws IOException {
        Path root = out.resolve(DIR);
        Files.createDirectories(root);
        String name = String.format("step-%09d", s.step());
        if (Files.isDirectory(root.resolve(name)) && name.equals(latestName(root))) {
            return; // this step is already saved; the state at a step is always the same
        }
        String previous = latestName(root);
        Path tmp = root.resolve("." + name + ".tmp");
        try {
            ddpm4j.io.FileTrees.delete(tmp);
            Files.createDirectories(tmp);
            Safetensors.write(tmp.resolve(WEIGHTS), s.weights(), Map.of());
            Safetensors.write(tmp.resolve(EMA), s.ema(), Map.of());
            Safetensors.write(tmp.resolve(OPTIMIZER), s.optimizer(), Map.of());
            Safetensors.write(tmp.resolve(TIMESTEPS), s.timesteps(), Map.of());
            for (Map.Entry<Double, Map<String, FloatArray>> p : s.profiles().entrySet()) {
                Safetensors.write(tmp.resolve(profileFile(p.getKey())), p.getValue(), Map.of());
            }
            AtomicFiles.write(tmp.resolve(SETTINGS), JSON.writeValueAsBytes(s.settings()));
            AtomicFiles.write(tmp.resolve(STATE), JSON.writeValueAsBytes(new Meta(s.step(), 1, s.pending().sum(), s.pending().count(),
                    s.best() == null ? null : s.best().score(), s.best() == null ? null : s.best().step(), s.pending().trainSeconds())));
            Path target = root.resolve(name);
            ddpm4j.io.FileTrees.delete(target); // a leftover of an interrupted save, never the one 'latest' names
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            AtomicFiles.write(root.resolve(LATEST), name.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            try {
                ddpm4j.io.FileTrees.delete(tmp);
            } catch (IOException ignored) {
                // the next save removes it
            }
            throw new IOException("could not write checkpoint " + name + " in " + root + " (" + IoErrors.describe(e) + "); "
                    + (previous.isEmpty() ? "there is no earlier checkpoint" : "the previous checkpoint " + previous + " is intact"), e);
        }
        try (Stream<Path> old = Files.list(root)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                String n = p.getFileName().toString();
                if (Files.isDirectory(p) && !n.equals(name) && (n.startsWith("step-") || n.startsWith(".step-"))) {
                    ddpm4j.io.FileTrees.delete(p);
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // the new checkpoint is complete; older ones are removed by the next save
        }
    }

    /** The power-function EMAs a checkpoint holds for {@code settings}' profiles (a run that had none: empty). */
    private static Map<Double, Map<String, FloatArray>> profiles(Path dir, TrainSettings settings) throws IOException {
        Map<Double, Map<String, FloatArray>> out = new java.util.LinkedHashMap<>();
        for (double sigmaRel : settings.emaProfiles()) {
            Path file = dir.resolve(profileFile(sigmaRel));
            if (!Files.isRegularFile(file)) {
                throw new FormatException(dir, "the checkpoint has no " + profileFile(sigmaRel) + " for the run's EMA profile " + sigmaRel);
            }
            out.put(sigmaRel, Safetensors.read(file));
        }
        return out;
    }

    /** The folder of {@code out}'s latest checkpoint. */
    private static Path latestDir(Path out) throws IOException {
        Path root = out.resolve(DIR);
        Path latest = root.resolve(LATEST);
        if (!Files.isRegularFile(latest)) {
            throw new FormatException(out, "no checkpoint to resume (" + DIR + "/" + LATEST + " missing)");
        }
        String name = Files.readString(latest, StandardCharsets.UTF_8).strip();
        if (!name.matches("step-\\d{9}")) {
            throw new FormatException(latest, "does not name a checkpoint: '" + name + "'");
        }
        return root.resolve(name);
    }

    /** The settings of {@code out}'s latest checkpoint, without its weights. */
    public static TrainSettings settings(Path out) throws IOException {
        Path dir = latestDir(out);
        try {
            return readSettings(Files.readAllBytes(dir.resolve(SETTINGS)));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(dir, "unreadable checkpoint metadata: " + e.getOriginalMessage());
        }
    }

    /** The step of {@code out}'s latest checkpoint, without reading its tensors. */
    public static long step(Path out) throws IOException {
        Path dir = latestDir(out);
        try {
            return JSON.readValue(Files.readAllBytes(dir.resolve(STATE)), Meta.class).step();
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(dir, "unreadable checkpoint metadata: " + e.getOriginalMessage());
        }
    }

    public static State load(Path out) throws IOException {
        Path dir = latestDir(out);
        Meta meta;
        TrainSettings settings;
        try {
            meta = JSON.readValue(Files.readAllBytes(dir.resolve(STATE)), Meta.class);
            settings = readSettings(Files.readAllBytes(dir.resolve(SETTINGS)));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(dir, "unreadable checkpoint metadata: " + e.getOriginalMessage());
        }
        return new State(meta.step(), settings, Safetensors.read(dir.resolve(WEIGHTS)), Safetensors.read(dir.resolve(EMA)),
                Safetensors.read(dir.resolve(OPTIMIZER)), Safetensors.read(dir.resolve(TIMESTEPS)),
                new PendingLosses(meta.pendingLossSum(), meta.pendingLossCount(), meta.trainSeconds() == null ? Double.NaN : meta.trainSeconds()),
                meta.bestScore() == null ? null : new Best(meta.bestScore(), meta.bestStep()), profiles(dir, settings));
    }

    private static String latestName(Path root) throws IOException {
        Path latest = root.resolve(LATEST);
        return Files.isRegularFile(latest) ? Files.readString(latest, StandardCharsets.UTF_8).strip() : "";
    }

}
