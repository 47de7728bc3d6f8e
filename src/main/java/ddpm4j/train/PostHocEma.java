package ddpm4j.train;

import ddpm4j.io.FloatArray;
import ddpm4j.io.FormatException;
import ddpm4j.io.Safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Post-hoc EMA (EDM2, Karras et al. 2024, section 3.2): the weights of a power-function EMA of any σ_rel at a snapshot's
 * step, combined from the snapshots a run took of its EMA profiles ({@code ema_profiles}, {@code ema-snapshots/}) with
 * {@link PowerEma#coefficients}, so that the EMA length is chosen after training rather than guessed before it.
 */
public final class PostHocEma {
    /** The folder of a run's snapshots. */
    public static final String DIR = "ema-snapshots";
    private static final Pattern NAME = Pattern.compile("step-(\\d{9})-sigma_rel-([0-9.eE-]+)\\.safetensors");

    /** One snapshot: the power-function EMA of {@code sigmaRel} at {@code step}. */
    public record Snapshot(long step, double sigmaRel, Path file) {
    }

    /**
     * The reconstructed weights and how they were made.
     *
     * @param weights      the combination Σ x_k θ̂_k
     * @param snapshots    the snapshots combined
     * @param coefficients x_k
     * @param error        the L2 distance of the combined profile from the asked-for one, relative to its norm
     */
    public record Result(Map<String, FloatArray> weights, List<Snapshot> snapshots, double[] coefficients, double error) {
    }

    private PostHocEma() {
    }

    static String fileName(long step, double sigmaRel) {
        return String.format(Locale.ROOT, "step-%09d-sigma_rel-%s.safetensors", step, sigmaRel);
    }

    /** The snapshots in {@code run}'s {@code ema-snapshots/}, by step. */
    public static List<Snapshot> snapshots(Path run) throws IOException {
        Path dir = run.resolve(DIR);
        if (!Files.isDirectory(dir)) {
            throw new FormatException(run, "has no " + DIR + "/ (train with EMA profiles, e.g. --ema-profiles 0.05,0.10)");
        }
        List<Snapshot> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (m.matches()) {
                    out.add(new Snapshot(Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)), f));
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(Snapshot::step).thenComparingDouble(Snapshot::sigmaRel));
        return out;
    }

    /**
     * The power-function EMA of {@code sigmaRel} at {@code step} (a step with snapshots, ≤ the last), from every
     * snapshot up to that step.
     *
     * @throws IllegalArgumentException for a σ_rel outside (0, {@link PowerEma#MAX_SIGMA_REL}] or a step without snapshots
     */
    public static Result reconstruct(Path run, double sigmaRel, long step) throws IOException {
        double gamma = PowerEma.gamma(sigmaRel);
        List<Snapshot> used = snapshots(run).stream().filter(s -> s.step() <= step).toList();
        if (used.isEmpty() || used.stream().noneMatch(s -> s.step() == step)) {
            throw new IllegalArgumentException("no snapshot at step " + step + " in " + run.resolve(DIR));
        }
        double[] gammas = used.stream().mapToDouble(s -> PowerEma.gamma(s.sigmaRel())).toArray();
        long[] steps = used.stream().mapToLong(Snapshot::step).toArray();
        double[] x = PowerEma.coefficients(gammas, steps, gamma, step);
        Map<String, double[]> sum = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int k = 0; k < used.size(); k++) {
            for (Map.Entry<String, FloatArray> e : Safetensors.read(used.get(k).file()).entrySet()) {
                float[] v = e.getValue().data();
                double[] acc = sum.computeIfAbsent(e.getKey(), n -> new double[v.length]);
                if (acc.length != v.length) {
                    throw new FormatException(used.get(k).file(), "'" + e.getKey() + "' has another shape than in the other snapshots");
                }
                shapes.put(e.getKey(), e.getValue().shape());
                for (int i = 0; i < v.length; i++) {
                    acc[i] += x[k] * v[i];
                }
            }
        }
        Map<String, FloatArray> weights = new LinkedHashMap<>();
        sum.forEach((name, acc) -> {
            float[] f = new float[acc.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) acc[i];
            }
            weights.put(name, new FloatArray(shapes.get(name), f));
        });
        return new Result(weights, used, x, PowerEma.relativeError(gammas, steps, x, gamma, step));
    }
}
