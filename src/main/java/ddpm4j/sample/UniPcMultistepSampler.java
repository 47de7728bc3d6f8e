package ddpm4j.sample;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.SchedulerConfig;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import java.util.Arrays;
import java.util.Set;

/**
 * UniPC (Zhao et al. 2023, arXiv 2302.04867) as diffusers' {@code UniPCMultistepScheduler}: a
 * multistep predictor (UniP) and, using the next step's network output at no extra pass, a corrector
 * (UniC) of the step just taken, with B(h) = h ({@code bh1}) or e^h − 1 ({@code bh2}). With
 * {@code predict_x0} it integrates x̂₀ (as DPM-Solver++), else ε̂.
 */
public final class UniPcMultistepSampler extends SigmaGridSampler {
    private final int order;
    private final boolean predictX0;
    private final boolean bh1;
    private final boolean lowerOrderFinal;
    private final Set<Integer> disableCorrector;
    private final Clipping clipping;

    private UniPcMultistepSampler(SigmaSpace space, SigmaSchedule grid, SolverOptions o, Clipping clipping) {
        super(space, grid);
        this.order = o.order();
        this.predictX0 = o.predictX0();
        this.bh1 = o.solverType().equals("bh1");
        this.lowerOrderFinal = o.lowerOrderFinal();
        this.disableCorrector = o.disableCorrector();
        this.clipping = o.predictX0() ? clipping : Clipping.NONE; // diffusers thresholds only x̂₀
    }

    static UniPcMultistepSampler of(SchedulerConfig c, GaussianDiffusion diffusion, int steps, Clipping clipping) {
        SigmaSpace space = SigmaSpace.of(c, diffusion);
        SolverOptions o = SolverOptions.of(c);
        return new UniPcMultistepSampler(space, SigmaSchedule.exponentialIntegrator(space, steps, o), o, clipping);
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, int start, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        TracedSampler.checkStart(start, timesteps.length);
        int n = timesteps.length;
        return ReverseLoop.run(xT, start, n, (i, current, carry) -> {
            Carry.History outputs = carry.history("outputs", order);
            Tensor last = carry.get("last sample"); // the sample the previous predictor started from; none at the run's first step
            Tensor x = current;
            Tensor predicted = space.predict(model, x, timesteps[i], sigmas[i]);
            Tensor m = space.converted(predicted, x, sigmas[i], clipping, predictX0);
            if (last != null && !disableCorrector.contains(i - 1)) {
                x = corrector(m, last, outputs, i, predictorOrder(i - 1, start, n));
            }
            outputs.push(m);
            carry.put("last sample", x);
            Tensor next = predictor(x, outputs, i, predictorOrder(i, start, n));
            trajectory.step(i, timesteps[i], next, predictX0 ? m : space.converted(predicted, current, sigmas[i], clipping, true));
            return next;
        }, listener);
    }

    /**
     * The order of step i's predictor in a run from {@code start}: one more than the steps before it in the run, at
     * most the solver's order, lower in the last steps with lower_order_final.
     */
    private int predictorOrder(int i, int start, int n) {
        return Math.min(lowerOrderFinal ? Math.min(order, n - i) : order, i - start + 1);
    }

    /** UniP of order p from x at step i to step i + 1 (outputs.get(0) is step i's). */
    private Tensor predictor(Tensor x, Carry.History outputs, int i, int p) {
        Tensor m0 = outputs.get(0);
        Coefficients k = coefficients(i, i + 1, p, outputs, m0, x);
        if (p == 1) {
            return k.base;
        }
        double[] rhos = p == 2 ? new double[] {0.5} : solve(k.r, k.b, p - 1);
        Tensor res = weighted(rhos, k.d1s, p - 1);
        return k.base.sub(res.mul(new Scalar(k.scale * k.bh)));
    }

    /**
     * UniC of order p: step i − 1 → i redone from {@code start} (the sample step i − 1 began at) with
     * {@code mt}, the output at the sample the predictor reached; outputs.get(0) is step i − 1's.
     */
    private Tensor corrector(Tensor mt, Tensor start, Carry.History outputs, int i, int p) {
        Tensor m0 = outputs.get(0);
        Coefficients k = coefficients(i - 1, i, p, outputs, m0, start);
        double[] rhos = p == 1 ? new double[] {0.5} : solve(k.r, k.b, p);
        Tensor res = mt.sub(m0).mul(new Scalar(rhos[p - 1]));
        if (p > 1) {
            res = res.add(weighted(rhos, k.d1s, p - 1));
        }
        return k.base.sub(res.mul(new Scalar(k.scale * k.bh)));
    }

    /** The terms predictor and corrector share for a move from step {@code s} to {@code t} of order p. */
    private record Coefficients(Tensor base, Tensor[] d1s, double[][] r, double[] b, double scale, double bh) {
    }

    private Coefficients coefficients(int s, int t, int p, Carry.History outputs, Tensor m0, Tensor x) {
        double sT = sigmas[t];
        double s0 = sigmas[s];
        double aT = SigmaSpace.alpha(sT);
        double a0 = SigmaSpace.alpha(s0);
        double h = SigmaSpace.lambda(sT) - SigmaSpace.lambda(s0);
        double[] rks = new double[p];
        Tensor[] d1s = new Tensor[Math.max(p - 1, 0)];
        for (int k = 1; k < p; k++) {
            rks[k - 1] = (SigmaSpace.lambda(sigmas[s - k]) - SigmaSpace.lambda(s0)) / h;
            d1s[k - 1] = outputs.get(k).sub(m0).mul(new Scalar(1 / rks[k - 1]));
        }
        rks[p - 1] = 1.0;
        double hh = predictX0 ? -h : h;
        double hPhi1 = Math.expm1(hh);
        double hPhiK = hPhi1 / hh - 1;
        double bh = bh1 ? hh : Math.expm1(hh);
        double factorial = 1;
        double[][] r = new double[p][p];
        double[] b = new double[p];
        for (int k = 1; k <= p; k++) {
            for (int j = 0; j < p; j++) {
                r[k - 1][j] = Math.pow(rks[j], k - 1);
            }
            b[k - 1] = hPhiK * factorial / bh;
            factorial *= k + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        // x0 form: (σ_t/σ_s) x − α_t (e^{−h} − 1) m0 − α_t B(h) Σ ρ D; ε form with α and σ_t swapped
        double sigT = sT * aT;
        double sig0 = s0 * a0;
        double ratio = predictX0 ? sigT / sig0 : aT / a0;
        double scale = predictX0 ? aT : sigT;
        Tensor base = x.mul(new Scalar(ratio)).sub(m0.mul(new Scalar(scale * hPhi1)));
        return new Coefficients(base, d1s, r, b, scale, bh);
    }

    /** Σ_k w_k D_k over the first {@code count}. */
    private static Tensor weighted(double[] w, Tensor[] d, int count) {
        Tensor out = d[0].mul(new Scalar(w[0]));
        for (int k = 1; k < count; k++) {
            out = out.add(d[k].mul(new Scalar(w[k])));
        }
        return out;
    }

    /** The leading {@code size}×{@code size} system R ρ = b. */
    private static double[] solve(double[][] r, double[] b, int size) {
        DMatrixRMaj a = new DMatrixRMaj(size, size);
        DMatrixRMaj y = new DMatrixRMaj(size, 1);
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                a.set(i, j, r[i][j]);
            }
            y.set(i, 0, b[i]);
        }
        DMatrixRMaj out = new DMatrixRMaj(size, 1);
        if (!CommonOps_DDRM.solve(a, y, out)) {
            throw new IllegalStateException("UniPC's coefficient system is singular (repeated timesteps?)");
        }
        return out.getData().clone();
    }

    @Override
    public String toString() {
        return "UniPC (" + (bh1 ? "bh1" : "bh2") + ") order " + order + ", timesteps " + Arrays.toString(timesteps);
    }
}
