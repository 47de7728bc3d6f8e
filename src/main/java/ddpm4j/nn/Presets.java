package ddpm4j.nn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Named architectures: the paper's networks and small ones that train on a CPU. */
public final class Presets {
    private static final Map<String, UNetConfig> PRESETS = new LinkedHashMap<>();

    static {
        // Ho et al. 2020, appendix B: CIFAR-10, 35.7M parameters.
        PRESETS.put("cifar10", UNetConfig.ddpm(32, 3, 128, new int[] {1, 2, 2, 2}, 2, List.of(16), 0.1));
        // Ho et al. 2020, appendix B: CelebA-HQ / LSUN 256×256, 114M parameters.
        PRESETS.put("celebahq256", UNetConfig.ddpm(256, 3, 128, new int[] {1, 1, 2, 2, 4, 4}, 2, List.of(16), 0.0));
        // CPU-sized: 28×28 grayscale (Fashion-MNIST, MNIST): levels 28, 14, 7.
        PRESETS.put("small28", UNetConfig.ddpm(28, 1, 32, new int[] {1, 2, 2}, 2, List.of(14), 0.1));
        // The quickstart's: one ResBlock per level, self-attention only in the middle (7×7); speed in docs/speed.md.
        PRESETS.put("quick28", UNetConfig.ddpm(28, 1, 32, new int[] {1, 2, 2}, 1, List.of(), 0.0));
        // The built-in Fashion-MNIST model's: small28 without the 14×14 attention, 1.54M parameters = 6.2 MB of
        // F32 weights; speed in docs/speed.md.
        PRESETS.put("fmnist28", UNetConfig.ddpm(28, 1, 32, new int[] {1, 2, 2}, 2, List.of(), 0.1));
        // CPU-sized: 32×32 RGB (CIFAR-10).
        PRESETS.put("small32", UNetConfig.ddpm(32, 3, 64, new int[] {1, 2, 2, 2}, 2, List.of(16), 0.1));
        // ADM's blocks (resampling ResBlocks, AdaGN, heads of 32 channels), CPU-sized: the architecture that scales.
        PRESETS.put("adm28", UNetConfig.adm(28, 1, 32, new int[] {1, 2, 2}, 2, List.of(14, 7), 32, 0.1));
        PRESETS.put("adm32", UNetConfig.adm(32, 3, 64, new int[] {1, 2, 2, 2}, 2, List.of(16, 8), 32, 0.1));
    }

    private Presets() {
    }

    public static Set<String> names() {
        return PRESETS.keySet();
    }

    /** The preset for images of {@code height × width × channels} when none is named: small28 for 28×28 gray, small32 for 32×32 RGB. */
    public static Optional<String> defaultFor(int height, int width, int channels) {
        if (height == 28 && width == 28 && channels == 1) {
            return Optional.of("small28");
        }
        if (height == 32 && width == 32 && channels == 3) {
            return Optional.of("small32");
        }
        return Optional.empty();
    }

    /**
     * {@code preset}'s architecture for square images of side {@code size} with {@code channels} channels:
     * 2 × channels out for a learned variance, the preset's dropout unless {@code dropout} is given, and
     * {@code classEmbeds} class embeddings (null: unconditional).
     */
    public static UNetConfig forImages(UNetConfig p, int height, int width, int channels, boolean learnedVariance, Double dropout,
                                       Integer classEmbeds) {
        if (height != width) {
            throw new IllegalArgumentException("training needs square images, got " + height + "x" + width);
        }
        return p.withImages(height, channels, learnedVariance ? 2 * channels : channels)
                .withDropout(dropout == null ? p.dropout() : dropout).withClassEmbeds(classEmbeds);
    }

    /** The preset called {@code name}. */
    public static UNetConfig get(String name) {
        UNetConfig c = PRESETS.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown preset '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        return c;
    }
}
