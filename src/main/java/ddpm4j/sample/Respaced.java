package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.Spacing;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A diffusion shortened to S of its T steps (Improved DDPM's respacing): the same process seen at
 * the kept steps only, whose network is still called with the original timesteps.
 *
 * @param diffusion the S-step process (ᾱ'_i = ᾱ_{kept[i]})
 * @param kept      the original step of each new step, ascending
 * @param base      the original T-step process
 */
public record Respaced(GaussianDiffusion diffusion, int[] kept, GaussianDiffusion base) {
    public static Respaced of(GaussianDiffusion base, int steps, Spacing spacing) {
        return of(base, steps, spacing, 0);
    }

    /**
     * S steps by {@code spacing}, leading steps shifted up by {@code offset} (diffusers' {@code steps_offset},
     * which only leading spacing uses).
     */
    public static Respaced of(GaussianDiffusion base, int steps, Spacing spacing, int offset) {
        int[] kept = spacing.kept(base.schedule().steps(), steps, offset);
        if (steps == base.schedule().steps()) {
            return new Respaced(base, kept, base); // every step kept: the process itself
        }
        return new Respaced(new GaussianDiffusion(base.schedule().respaced(kept), base.prediction(), base.variance()), kept, base);
    }

    /** q(x_t | x₀) (eq. 4) of the original process at the kept step of sampling position {@code position}. */
    public org.bytedeco.pytorch.Tensor addNoise(org.bytedeco.pytorch.Tensor x0, org.bytedeco.pytorch.Tensor noise, int position) {
        return base.qSample(x0, GaussianDiffusion.fill((int) x0.size(0), kept[kept.length - 1 - position]), noise);
    }

    /** The kept steps in sampling (descending) order. */
    public int[] descending() {
        int[] out = new int[kept.length];
        for (int i = 0; i < kept.length; i++) {
            out[i] = kept[kept.length - 1 - i];
        }
        return out;
    }

    /** Whether every step of the original process is kept. */
    public boolean isFull() {
        return kept[kept.length - 1] == kept.length - 1;
    }

    public int steps() {
        return kept.length;
    }

    /**
     * {@code model} as the S-step process calls it on {@code device}: new step i becomes original
     * step kept[i], through a table made on the device once.
     */
    public Denoiser model(Denoiser model, Device device) {
        if (isFull()) {
            return model;
        }
        long[] map = new long[kept.length];
        for (int i = 0; i < map.length; i++) {
            map[i] = kept[i];
        }
        Tensor table = device.put(Tensors.fromLongs(map, map.length));
        return (x, t) -> model.apply(x, table.gather(0, t.to(torch.ScalarType.Long).reshape(-1)));
    }
}
