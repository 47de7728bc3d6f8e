package ddpm4j.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class InceptionV3Test {
    /** Every key and shape of pytorch-fid's network, from torchvision (reference/fid_inception_reference.py keys). */
    static final Path KEYS = Path.of("src/test/resources/reference/fid_inception_keys.json");

    @Test
    void keysAndShapesMatchPytorchFidsNetwork() throws Exception {
        JsonNode reference = new ObjectMapper().readTree(KEYS.toFile());
        Map<String, long[]> want = new TreeMap<>();
        long total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = reference.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long[] shape = new long[e.getValue().size()];
            long n = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = e.getValue().get(i).asLong();
                n *= shape[i];
            }
            want.put(e.getKey(), shape);
            total += n;
        }
        assertEquals(23_885_392L, total, "parameters and batch-norm statistics of the reference");
        try (InceptionV3 net = new InceptionV3(0)) {
            Map<String, Tensor> got = new TreeMap<>(net.stateDict());
            assertEquals(want.keySet(), got.keySet());
            for (Map.Entry<String, long[]> e : want.entrySet()) {
                assertArrayEquals(e.getValue(), Tensors.shape(got.get(e.getKey())), e.getKey());
            }
            InceptionV3.Output out = net.infer(torch.rand(2, 3, 32, 32));
            assertArrayEquals(new long[] {2, 2048}, Tensors.shape(out.pool()));
            assertArrayEquals(new long[] {2, 1008}, Tensors.shape(out.logits()));
        }
    }
}
