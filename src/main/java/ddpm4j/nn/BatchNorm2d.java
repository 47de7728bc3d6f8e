package ddpm4j.nn;

import ddpm4j.torch.MetaKernels;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Batch normalisation with stored statistics (inference only): {@code weight}, {@code bias}, buffers {@code running_mean}, {@code running_var}. */
final class BatchNorm2d extends Layer {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final double eps;

    BatchNorm2d(long channels, double eps) {
        this.weight = parameter("weight", channels);
        this.bias = parameter("bias", channels);
        this.runningMean = buffer("running_mean", channels);
        this.runningVar = buffer("running_var", channels);
        this.eps = eps;
    }

    Tensor forward(Tensor x) {
        return MetaKernels.batchNormEval(x, weight, bias, runningMean, runningVar, eps);
    }

    @Override
    void initialize(WeightInit init) {
        init.fill(weight, 1f);
        init.fill(bias, 0f);
        init.fill(runningMean, 0f);
        init.fill(runningVar, 1f);
    }
}
