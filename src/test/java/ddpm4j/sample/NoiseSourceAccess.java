package ddpm4j.sample;

import org.bytedeco.pytorch.Tensor;

/** Test helper: a seeded standard-normal tensor. */
public final class NoiseSourceAccess {
    private NoiseSourceAccess() {
    }

    public static Tensor noise(long seed, int batch, long... imageShape) {
        return new NoiseSource(seed, 0, batch, imageShape).next();
    }
}
