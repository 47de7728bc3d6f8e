package ddpm4j.dist;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * Sums the parameters' gradients across ranks after {@code backward()}, in buckets of about
 * {@link #BUCKET_BYTES} (one flat allreduce each, as PyTorch's DDP does, without overlapping the backward
 * pass). Each rank's loss is its rows' share of the global mean, so the sum is the gradient of the
 * global batch.
 */
public final class Gradients {
    /** PyTorch DDP's default bucket size. */
    static final long BUCKET_BYTES = 25L << 20;

    private Gradients() {
    }

    /** Replaces each defined gradient of {@code params} by its sum over the ranks of {@code group}. */
    public static void sumAcross(Group group, List<Tensor> params) {
        if (group.size() == 1) {
            return;
        }
        try (PointerScope scope = new PointerScope()) {
            List<Tensor> bucket = new ArrayList<>();
            long bytes = 0;
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (!g.defined()) {
                    continue;
                }
                bucket.add(g);
                bytes += g.numel() * g.element_size();
                if (bytes >= BUCKET_BYTES) {
                    reduce(group, bucket);
                    bucket.clear();
                    bytes = 0;
                }
            }
            reduce(group, bucket);
        }
    }

    private static void reduce(Group group, List<Tensor> grads) {
        if (grads.isEmpty()) {
            return;
        }
        TensorVector flat = new TensorVector();
        for (Tensor g : grads) {
            flat.push_back(g.reshape(-1));
        }
        Tensor joined = torch.cat(flat);
        group.allreduceSum(joined);
        long offset = 0;
        for (Tensor g : grads) {
            long n = g.numel();
            g.copy_(joined.narrow(0, offset, n).view_as(g));
            offset += n;
        }
    }
}
