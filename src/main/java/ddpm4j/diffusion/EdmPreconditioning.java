package ddpm4j.diffusion;

import ddpm4j.schedule.EdmProcess;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerConfig;
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

    /** D(x; σ) = c_skip x + c_out F from the network's output F at (c_in x, c_noise). */
    public Tensor denoised(Tensor output, Tensor x, double sigma) {
        return x.mul(new Scalar(cSkip(sigma))).add(output.mul(new Scalar(cOut(sigma))));
    }
}
