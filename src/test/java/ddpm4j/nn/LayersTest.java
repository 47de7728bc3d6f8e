package ddpm4j.nn;

import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayersTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    @Test
    void sinusoidalEmbeddingFollowsTheFormula() {
        int dim = 10;
        int half = dim / 2;
        float[] ts = {0, 1, 17, 999};
        for (boolean flip : new boolean[] {false, true}) {
            for (double shift : new double[] {0, 1}) {
                float[] got = Tensors.toFloats(TimestepEmbedding.sinusoidal(Tensors.fromFloats(ts, 4), dim, flip, shift));
                for (int r = 0; r < ts.length; r++) {
                    for (int i = 0; i < half; i++) {
                        double w = Math.exp(-Math.log(10000) * i / (half - shift));
                        double sin = Math.sin(ts[r] * w);
                        double cos = Math.cos(ts[r] * w);
                        assertEquals(flip ? cos : sin, got[r * dim + i], 2e-4, "sin part t=" + ts[r] + " i=" + i);
                        assertEquals(flip ? sin : cos, got[r * dim + half + i], 2e-4, "cos part");
                    }
                }
            }
        }
        float[] odd = Tensors.toFloats(TimestepEmbedding.sinusoidal(Tensors.fromFloats(new float[] {3}, 1), 7, false, 1));
        assertEquals(7, odd.length);
        assertEquals(0f, odd[6]);
    }

    @Test
    void downsamplingPadsBottomAndRightLikeTensorFlowSame() {
        Downsample2D down = new Downsample2D(1, 0);
        var params = down.named_parameters();
        Tensor w = new Tensor(params.get("conv.weight"));
        float[] kernel = new float[9];
        kernel[8] = 1; // picks the bottom-right tap: out[i,j] = padded[2i+2, 2j+2]
        new org.bytedeco.javacpp.FloatPointer(w.data_ptr()).put(kernel, 0, 9);
        float[] x = new float[16];
        for (int i = 0; i < 16; i++) {
            x[i] = i + 1;
        }
        float[] y = Tensors.toFloats(down.forward(Tensors.fromFloats(x, 1, 1, 4, 4)));
        // padded 5×5 has the input at rows/cols 0..3 and zeros at row/col 4
        assertArrayEquals(new float[] {x[2 * 4 + 2], 0, 0, 0}, y);
        kernel[8] = 0;
        kernel[0] = 1; // top-left tap: out[i,j] = x[2i, 2j]
        new org.bytedeco.javacpp.FloatPointer(w.data_ptr()).put(kernel, 0, 9);
        y = Tensors.toFloats(down.forward(Tensors.fromFloats(x, 1, 1, 4, 4)));
        assertArrayEquals(new float[] {x[0], x[2], x[8], x[10]}, y);
    }

    @Test
    void upsamplingRepeatsEachPixelTwice() {
        Upsample2D up = new Upsample2D(1);
        var params = up.named_parameters();
        Tensor w = new Tensor(params.get("conv.weight"));
        float[] kernel = new float[9];
        kernel[4] = 1; // identity convolution
        new org.bytedeco.javacpp.FloatPointer(w.data_ptr()).put(kernel, 0, 9);
        float[] y = Tensors.toFloats(up.forward(Tensors.fromFloats(new float[] {1, 2, 3, 4}, 1, 1, 2, 2)));
        assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, y);
    }

    @Test
    void attentionKeepsTheInputLayout() {
        // the transposed projection reads as channels-last; returned as is, every later op of the
        // network would follow it into libtorch's slow channels-last GroupNorm
        Attention attention = new Attention(64, 1, 32, 1e-6, 1.0);
        Tensor out = attention.forward(org.bytedeco.pytorch.global.torch.randn(2, 64, 14, 14));
        assertTrue(out.is_contiguous());
        assertArrayEquals(new long[] {2, 64, 14, 14}, Tensors.shape(out));
        attention.close();
    }
}
