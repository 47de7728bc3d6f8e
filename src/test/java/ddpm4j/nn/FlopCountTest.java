package ddpm4j.nn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlopCountTest {
    /**
     * Convolution and linear FLOPs counted independently with forward hooks on the PyTorch baseline
     * network (reference/pytorch_baseline.py, same architectures): 12,107,907,072 for cifar10
     * (the "12.1 GFLOP" of the literature) and 574,793,728 for small28. The count here adds
     * attention's QKᵀ and weighted-V products, 2·2·N²·C per attention block of N tokens.
     */
    @Test
    void matchesHookCountsPlusAttentionProducts() {
        double cifarAttention = 5 * 4.0 * 256 * 256 * 256 + 4.0 * 16 * 16 * 256; // five blocks at 16×16, the middle at 4×4
        assertEquals(12_107_907_072.0 + cifarAttention, FlopCount.forward(Presets.get("cifar10")), 1e3);
        double smallAttention = 5 * 4.0 * 196 * 196 * 64 + 4.0 * 49 * 49 * 64; // at 14×14 and the middle at 7×7
        assertEquals(574_793_728.0 + smallAttention, FlopCount.forward(Presets.get("small28")), 1e3);
    }
}
