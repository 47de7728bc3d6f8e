package ddpm4j.torch;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The networks' operations that libtorch's C++ build has no meta kernel for (PyTorch registers
 * those in Python), written out from operations that have one. Each runs libtorch's own operation
 * on every other device, so CPU and CUDA results are libtorch's; on the meta device, which only
 * propagates shapes, the written-out form gives the same shapes and autograd graph.
 */
public final class MetaKernels {
    private MetaKernels() {
    }

    /** Group normalisation of {@code x [N,C,...]} over {@code groups} groups, then the per-channel affine. */
    public static Tensor groupNorm(Tensor x, long groups, Tensor weight, Tensor bias, double eps) {
        return x.is_meta() ? groupNormWrittenOut(x, groups, weight, bias, eps)
                : torch.group_norm(x, groups, new TensorOptional(weight), new TensorOptional(bias), eps, false);
    }

    /** Batch normalisation in evaluation mode: the running statistics, then the per-channel affine. */
    public static Tensor batchNormEval(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, double eps) {
        return x.is_meta() ? batchNormEvalWrittenOut(x, weight, bias, runningMean, runningVar, eps)
                : torch.batch_norm(x, new TensorOptional(weight), new TensorOptional(bias), new TensorOptional(runningMean),
                        new TensorOptional(runningVar), false, 0.1, eps, false);
    }

    /** The rows of {@code weight [R,D]} at integer {@code indices [B]}: [B,D]. */
    public static Tensor embedding(Tensor weight, Tensor indices) {
        return weight.is_meta() ? embeddingWrittenOut(weight, indices) : torch.embedding(weight, indices);
    }

    /** max(x, 0). */
    public static Tensor relu(Tensor x) {
        return x.is_meta() ? reluWrittenOut(x) : torch.relu(x);
    }

    /** max(x, min). */
    public static Tensor clampMin(Tensor x, double min) {
        return x.is_meta() ? clampMinWrittenOut(x, min) : torch.clamp_min(x, new Scalar(min));
    }

    /** {@code a} where {@code condition} holds, else {@code b} (broadcast together). */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return a.is_meta() ? whereWrittenOut(condition, a, b) : torch.where(condition, a, b);
    }

    /**
     * The {@code q}-quantile of each row of {@code rows [B,N]}, [B,1], linearly interpolated (libtorch's
     * quantile). Sorting has no meta kernel either; as the meta device holds no values, there a
     * column of the input stands in, with the right shape, type and device.
     */
    public static Tensor rowQuantile(Tensor rows, double q) {
        return rows.is_meta() ? rows.narrow(1, 0, 1).clone()
                : torch.quantile(rows, q, new org.bytedeco.pytorch.LongOptional(1), true, "linear");
    }

    // The written-out forms, package-private so tests can compare them with libtorch's on the CPU.

    static Tensor groupNormWrittenOut(Tensor x, long groups, Tensor weight, Tensor bias, double eps) {
        Tensor g = x.reshape(x.size(0), groups, -1);
        Tensor centered = g.sub(g.mean(new long[] {2}, true, new ScalarTypeOptional()));
        Tensor var = centered.mul(centered).mean(new long[] {2}, true, new ScalarTypeOptional());
        Tensor normed = centered.mul(torch.rsqrt(var.add(new Scalar(eps)))).reshape(Tensors.shape(x));
        return normed.mul(channels(weight, x)).add(channels(bias, x));
    }

    static Tensor batchNormEvalWrittenOut(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, double eps) {
        Tensor scale = torch.rsqrt(runningVar.add(new Scalar(eps))).mul(weight);
        return x.sub(channels(runningMean, x)).mul(channels(scale, x)).add(channels(bias, x));
    }

    static Tensor embeddingWrittenOut(Tensor weight, Tensor indices) {
        Tensor rows = indices.reshape(-1, 1).expand(indices.numel(), weight.size(1));
        return weight.gather(0, rows);
    }

    /** x · [x > 0]: the backward of libtorch's relu and clamps needs {@code where}, which has no meta kernel. */
    static Tensor reluWrittenOut(Tensor x) {
        return x.mul(x.gt(new Scalar(0.0)));
    }

    static Tensor clampMinWrittenOut(Tensor x, double min) {
        return reluWrittenOut(x.sub(new Scalar(min))).add(new Scalar(min));
    }

    static Tensor whereWrittenOut(Tensor condition, Tensor a, Tensor b) {
        Tensor keep = condition.to(a.scalar_type());
        return a.mul(keep).add(b.mul(keep.neg().add(new Scalar(1.0))));
    }

    /** [C] → [1,C,1,...] to broadcast over {@code like}'s channels. */
    private static Tensor channels(Tensor perChannel, Tensor like) {
        long[] shape = new long[(int) like.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[1] = -1;
        return perChannel.view(shape);
    }
}
