package ddpm4j.nn;

import ddpm4j.torch.MetaKernels;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A learned vector per class label (diffusers' {@code class_embedding}, an nn.Embedding): {@code weight [rows, dim]}. */
public final class ClassEmbedding extends Layer {
    private final Tensor weight;

    ClassEmbedding(long rows, long dim) {
        this.weight = parameter("weight", rows, dim);
    }

    /** The rows of integer {@code labels [B]}. */
    public Tensor forward(Tensor labels) {
        long rows = weight.size(0);
        Tensor l = labels.to(torch.ScalarType.Long).reshape(-1);
        if (l.numel() > 0 && !l.is_meta() && (l.min().item_long() < 0 || l.max().item_long() >= rows)) {
            throw new IllegalArgumentException("class labels must be in [0, " + rows + ")");
        }
        return MetaKernels.embedding(weight, l);
    }

    /** {@link #forward} in {@code g}, for int64 {@code labels [B]}. */
    String trace(GraphBuilder g, String labels) {
        return g.node("Gather", java.util.Map.of("axis", 0L), g.parameter(weight), labels);
    }

    @Override
    void initialize(WeightInit init) {
        init.normal(weight, 1.0); // nn.Embedding's N(0, 1)
    }
}
