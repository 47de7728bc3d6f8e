package ddpm4j.diffusion;

import ddpm4j.schedule.EdmProcess;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * EDM's preconditioning (Karras et al. 2022, Table 1) around an unchanged network F: the denoiser
 * D(x; σ) = c_skip(σ) x + c_out(σ) F(c_in(σ) x, c_noise(σ)) of x = x₀ + σ ε, as diffusers' EDM schedulers apply it
 * ({@code precondition_inputs}, {@code precondition_noise}, {@code precondition_outputs}).
 *
 * @param sigmaData  σ_data, the data's standard deviation
 * @param prediction epsilon (c_out = σ σ_data/√(σ² + σ_data²)) or v_prediction (c_out negated)
 */
public record EdmPreconditioning(double sigmaData, Prediction prediction) {
    public EdmPreconditioning {
        if (prediction != Prediction.EPSILON && prediction != Prediction.V) {
            throw new IllegalArgumentException("EDM's preconditioning takes prediction_type epsilon or v_prediction, not "
                    + prediction.configName);
        }
    }

    /** The preconditioning of {@code config}'s EDM process, or null when its process is one of β's. */
    public static EdmPreconditioning of(SchedulerConfig config) {
        EdmProcess p = config.edm();
        return p == null ? null : new EdmPreconditioning(p.sigmaData(), config.prediction());
    }

    /** c_in = 1/√(σ² + σ_data²): the scale of the network's input. */
    public double cIn(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + sigmaData * sigmaData);
    }

    /** c_noise = ln(σ)/4: the timestep the network sees. */
    public static double cNoise(double sigma) {
        return 0.25 * Math.log(sigma);
    }

    /** c_skip = σ_data²/(σ² + σ_data²). */
    public double cSkip(double sigma) {
        return sigmaData * sigmaData / (sigma * sigma + sigmaData * sigmaData);
    }

    /** c_out = ±σ σ_data/√(σ² + σ_data²). */
    public double cOut(double sigma) {
        double c = sigma * sigmaData / Math.sqrt(sigma * sigma + sigmaData * sigmaData);
        return prediction == Prediction.V ? -c : c;
    }

    /** EDM's loss weight λ(σ) = (σ² + σ_data²)/(σ σ_data)², which makes λ c_out² = 1: the network's target has unit variance. */
    public double lossWeight(double sigma) {
        return (sigma * sigma + sigmaData * sigmaData) / (sigma * sigma * sigmaData * sigmaData);
    }

    /**
     * EDM's training loss per image (Karras et al. 2022, eq. 8 with eq. 2's preconditioning): x = x₀ + σ n,
     * λ(σ) · mean over pixels of (D(x; σ) − x₀)², the network given (c_in x, c_noise(σ)); one σ per image.
     *
     * @param sigma the images' noise levels
     * @param noise standard normal, shaped as x₀
     * @return [B]
     */
    public Tensor trainingLoss(Denoiser net, Tensor x0, double[] sigma, Tensor noise) {
        int b = sigma.length;
        float[] s = new float[b];
        float[] in = new float[b];
        float[] cNoise = new float[b];
        float[] skip = new float[b];
        float[] out = new float[b];
        float[] weight = new float[b];
        for (int i = 0; i < b; i++) {
            s[i] = (float) sigma[i];
            in[i] = (float) cIn(sigma[i]);
            cNoise[i] = (float) cNoise(sigma[i]);
            skip[i] = (float) cSkip(sigma[i]);
            out[i] = (float) cOut(sigma[i]);
            weight[i] = (float) lossWeight(sigma[i]);
        }
        Device device = Device.of(x0);
        Tensor x = x0.add(noise.mul(perImage(device, s)));
        Tensor f = net.apply(x.mul(perImage(device, in)), device.put(Tensors.fromFloats(cNoise, b)));
        Tensor denoised = x.mul(perImage(device, skip)).add(f.narrow(1, 0, x0.size(1)).mul(perImage(device, out)));
        Tensor err = denoised.sub(x0);
        return Gaussians.meanFlat(err.mul(err)).mul(device.put(Tensors.fromFloats(weight, b)));
    }

    private static Tensor perImage(Device device, float[] v) {
        return device.put(Tensors.fromFloats(v, v.length, 1, 1, 1));
    }

    /** D(x; σ) = c_skip x + c_out F from the network's output F at (c_in x, c_noise). */
    public Tensor denoised(Tensor output, Tensor x, double sigma) {
        return x.mul(new Scalar(cSkip(sigma))).add(output.mul(new Scalar(cOut(sigma))));
    }
}
