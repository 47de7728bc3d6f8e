package ddpm4j.eval;

import ddpm4j.data.ImageSet;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.diffusion.Gaussians;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.StepListener;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

/**
 * The negative log-likelihood bound in bits/dim (Ho et al. 2020, Table 1), as the original
 * calc_bpd_loop computes it: for t = T..1 a fresh x_t ~ q(x_t|x₀) and the bound's term at t
 * (the decoder NLL at t = 1), plus the prior term KL(q(x_T|x₀) ‖ N(0, I)).
 */
public final class BitsPerDim {
    private BitsPerDim() {
    }

    /**
     * Per-image results, image-major.
     *
     * @param total   prior + Σ_t terms, bits/dim
     * @param prior   KL(q(x_T|x₀) ‖ N(0, I)), bits/dim
     * @param decoder −log p(x₀|x₁), bits/dim (= terms[i][0])
     * @param terms   the bound's term at each 0-based t, bits/dim
     * @param mse     mean squared error of x̂₀ against x₀ at each t
     */
    public record Result(double[] total, double[] prior, double[] decoder, double[][] terms, double[][] mse) {
        /** The mean of {@code total}: the dataset's bound in bits/dim. */
        public double mean() {
            return java.util.Arrays.stream(total).average().orElse(Double.NaN);
        }

        /** The standard error of {@link #mean()} (sample standard deviation / √n; 0 for one image). */
        public double standardError() {
            int n = total.length;
            if (n < 2) {
                return 0;
            }
            double m = mean();
            double ss = 0;
            for (double v : total) {
                ss += (v - m) * (v - m);
            }
            return Math.sqrt(ss / (n - 1) / n);
        }

        public double meanPrior() {
            return java.util.Arrays.stream(prior).average().orElse(Double.NaN);
        }

        public double meanDecoder() {
            return java.util.Arrays.stream(decoder).average().orElse(Double.NaN);
        }
    }

    /**
     * @param x0    images in model space [B,C,H,W]
     * @param noise a stream per image for the x_t draws
     * @param clip  clip x̂₀ to [−1, 1] (the original does)
     */
    public static Result evaluate(Denoiser model, GaussianDiffusion diffusion, Tensor x0, NoiseSource noise,
                                  boolean clip, StepListener listener) {
        int b = (int) x0.size(0);
        int steps = diffusion.schedule().steps();
        double[][] terms = new double[b][steps];
        double[][] mse = new double[b][steps];
        double[] prior;
        try (InferenceMode guard = new InferenceMode()) {
            for (int i = 0; i < steps; i++) {
                int t = steps - 1 - i;
                try (PointerScope scope = new PointerScope()) {
                    int[] ts = GaussianDiffusion.fill(b, t);
                    Tensor xt = diffusion.qSample(x0, ts, noise.next(Device.of(x0)));
                    GaussianDiffusion.Output p = diffusion.pMeanVariance(model, xt, ts, clip, 1.0);
                    float[] bits = Tensors.toFloats(diffusion.vbTermBits(p, x0, xt, ts));
                    Tensor err = p.start().sub(x0);
                    float[] sq = Tensors.toFloats(Gaussians.meanFlat(err.mul(err)));
                    for (int k = 0; k < b; k++) {
                        terms[k][t] = bits[k];
                        mse[k][t] = sq[k];
                    }
                }
                listener.stepDone(i + 1, steps);
            }
            try (PointerScope scope = new PointerScope()) {
                prior = toDoubles(Tensors.toFloats(diffusion.priorBits(x0)));
            }
        }
        double[] total = new double[b];
        double[] decoder = new double[b];
        for (int k = 0; k < b; k++) {
            double sum = prior[k];
            for (double v : terms[k]) {
                sum += v;
            }
            total[k] = sum;
            decoder[k] = terms[k][0];
        }
        return new Result(total, prior, decoder, terms, mse);
    }

    /**
     * {@link #evaluate} over a whole image set on the network's {@code device}, batch by batch; image k's x_t draws come from
     * (seed, k), so the batch size does not change them. {@code listener} hears every network pass.
     */
    public static Result evaluate(Denoiser model, Device device, GaussianDiffusion diffusion, ImageSet images, int batchSize, long seed,
                                  boolean clip, StepListener listener) {
        return evaluate(model, device, diffusion, images, batchSize, seed, clip, listener, ddpm4j.dist.Group.single());
    }

    /**
     * As above, the batches dealt across the ranks of {@code group}; every rank gets every image's terms, equal to one
     * process's. {@code listener} hears this rank's passes, counted over its own batches.
     */
    public static Result evaluate(Denoiser model, Device device, GaussianDiffusion diffusion, ImageSet images, int batchSize, long seed,
                                  boolean clip, StepListener listener, ddpm4j.dist.Group group) {
        int n = images.count();
        int steps = diffusion.schedule().steps();
        int per = 3 + 2 * steps; // total, prior, decoder, terms[steps], mse[steps]
        int mine = ddpm4j.dist.ShardedBatches.batchesOf(n, batchSize, group.rank(), group.size());
        int[] done = {0};
        double[] all = ddpm4j.dist.ShardedBatches.runDoubles(group, n, batchSize, per, (first, b) -> {
            Tensor x0 = device.put(Tensors.fromFloats(images.modelSpace(first, b), b, images.channels(), images.height(), images.width()));
            NoiseSource noise = new NoiseSource(seed, first, b, images.channels(), images.height(), images.width());
            int before = done[0];
            Result r = evaluate(model, diffusion, x0, noise, clip, (i, total) -> listener.stepDone(before + i, mine * steps));
            done[0] += steps;
            double[] rows = new double[b * per];
            for (int k = 0; k < b; k++) {
                rows[k * per] = r.total()[k];
                rows[k * per + 1] = r.prior()[k];
                rows[k * per + 2] = r.decoder()[k];
                System.arraycopy(r.terms()[k], 0, rows, k * per + 3, steps);
                System.arraycopy(r.mse()[k], 0, rows, k * per + 3 + steps, steps);
            }
            return rows;
        });
        double[] total = new double[n];
        double[] prior = new double[n];
        double[] decoder = new double[n];
        double[][] terms = new double[n][];
        double[][] mse = new double[n][];
        for (int k = 0; k < n; k++) {
            total[k] = all[k * per];
            prior[k] = all[k * per + 1];
            decoder[k] = all[k * per + 2];
            terms[k] = java.util.Arrays.copyOfRange(all, k * per + 3, k * per + 3 + steps);
            mse[k] = java.util.Arrays.copyOfRange(all, k * per + 3 + steps, k * per + per);
        }
        return new Result(total, prior, decoder, terms, mse);
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
