package ddpm4j.nn;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The mixed blocks of Inception-v3 as pytorch-fid uses them (its FIDInceptionA/C/E variants of
 * torchvision's blocks): average pools exclude the padding, and the last block pools its branch
 * with a max pool. Branch names are torchvision's state-dict keys.
 */
final class InceptionBlocks {
    private InceptionBlocks() {
    }

    /** A mixed block: one input, the concatenation of its branches out. */
    abstract static class Block extends Layer {
        abstract Tensor forward(Tensor x);
    }

    static Tensor cat(Tensor... parts) {
        return torch.cat(new TensorVector(parts), 1);
    }

    /** 3×3 average pool, stride 1, padding 1, the padding not counted (TF's behaviour the FID weights expect). */
    static Tensor avgPool3(Tensor x) {
        return torch.avg_pool2d(x, new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1}, false, false, new LongOptional());
    }

    static Tensor maxPool(Tensor x, long stride, long padding) {
        return torch.max_pool2d(x, new long[] {3, 3}, new long[] {stride, stride}, new long[] {padding, padding}, new long[] {1, 1}, false);
    }

    /** Mixed_5b/c/d: 1×1, 5×5, double 3×3 and pooled branches. */
    static final class A extends Block {
        private final BasicConv2d b1x1;
        private final BasicConv2d b5x5a;
        private final BasicConv2d b5x5b;
        private final BasicConv2d b3a;
        private final BasicConv2d b3b;
        private final BasicConv2d b3c;
        private final BasicConv2d pool;

        A(long in, long poolFeatures) {
            b1x1 = child("branch1x1", new BasicConv2d(in, 64, 1, 1, 0));
            b5x5a = child("branch5x5_1", new BasicConv2d(in, 48, 1, 1, 0));
            b5x5b = child("branch5x5_2", new BasicConv2d(48, 64, 5, 1, 2));
            b3a = child("branch3x3dbl_1", new BasicConv2d(in, 64, 1, 1, 0));
            b3b = child("branch3x3dbl_2", new BasicConv2d(64, 96, 3, 1, 1));
            b3c = child("branch3x3dbl_3", new BasicConv2d(96, 96, 3, 1, 1));
            pool = child("branch_pool", new BasicConv2d(in, poolFeatures, 1, 1, 0));
        }

        @Override
        Tensor forward(Tensor x) {
            return cat(b1x1.forward(x), b5x5b.forward(b5x5a.forward(x)), b3c.forward(b3b.forward(b3a.forward(x))),
                    pool.forward(avgPool3(x)));
        }
    }

    /** Mixed_6a: stride-2 reduction. */
    static final class B extends Block {
        private final BasicConv2d b3x3;
        private final BasicConv2d b3a;
        private final BasicConv2d b3b;
        private final BasicConv2d b3c;

        B(long in) {
            b3x3 = child("branch3x3", new BasicConv2d(in, 384, 3, 2, 0));
            b3a = child("branch3x3dbl_1", new BasicConv2d(in, 64, 1, 1, 0));
            b3b = child("branch3x3dbl_2", new BasicConv2d(64, 96, 3, 1, 1));
            b3c = child("branch3x3dbl_3", new BasicConv2d(96, 96, 3, 2, 0));
        }

        @Override
        Tensor forward(Tensor x) {
            return cat(b3x3.forward(x), b3c.forward(b3b.forward(b3a.forward(x))), maxPool(x, 2, 0));
        }
    }

    /** Mixed_6b–e: factorised 7×7 branches. */
    static final class C extends Block {
        private final BasicConv2d b1x1;
        private final BasicConv2d[] b7;
        private final BasicConv2d[] b7dbl;
        private final BasicConv2d pool;

        C(long in, long c7) {
            b1x1 = child("branch1x1", new BasicConv2d(in, 192, 1, 1, 0));
            b7 = new BasicConv2d[] {
                    child("branch7x7_1", new BasicConv2d(in, c7, 1, 1, 0)),
                    child("branch7x7_2", new BasicConv2d(c7, c7, 1, 7, 1, 0, 3)),
                    child("branch7x7_3", new BasicConv2d(c7, 192, 7, 1, 1, 3, 0))};
            b7dbl = new BasicConv2d[] {
                    child("branch7x7dbl_1", new BasicConv2d(in, c7, 1, 1, 0)),
                    child("branch7x7dbl_2", new BasicConv2d(c7, c7, 7, 1, 1, 3, 0)),
                    child("branch7x7dbl_3", new BasicConv2d(c7, c7, 1, 7, 1, 0, 3)),
                    child("branch7x7dbl_4", new BasicConv2d(c7, c7, 7, 1, 1, 3, 0)),
                    child("branch7x7dbl_5", new BasicConv2d(c7, 192, 1, 7, 1, 0, 3))};
            pool = child("branch_pool", new BasicConv2d(in, 192, 1, 1, 0));
        }

        static Tensor chain(BasicConv2d[] convs, Tensor x) {
            for (BasicConv2d c : convs) {
                x = c.forward(x);
            }
            return x;
        }

        @Override
        Tensor forward(Tensor x) {
            return cat(b1x1.forward(x), chain(b7, x), chain(b7dbl, x), pool.forward(avgPool3(x)));
        }
    }

    /** Mixed_7a: stride-2 reduction. */
    static final class D extends Block {
        private final BasicConv2d[] b3;
        private final BasicConv2d[] b7x3;

        D(long in) {
            b3 = new BasicConv2d[] {
                    child("branch3x3_1", new BasicConv2d(in, 192, 1, 1, 0)),
                    child("branch3x3_2", new BasicConv2d(192, 320, 3, 2, 0))};
            b7x3 = new BasicConv2d[] {
                    child("branch7x7x3_1", new BasicConv2d(in, 192, 1, 1, 0)),
                    child("branch7x7x3_2", new BasicConv2d(192, 192, 1, 7, 1, 0, 3)),
                    child("branch7x7x3_3", new BasicConv2d(192, 192, 7, 1, 1, 3, 0)),
                    child("branch7x7x3_4", new BasicConv2d(192, 192, 3, 2, 0))};
        }

        @Override
        Tensor forward(Tensor x) {
            return cat(C.chain(b3, x), C.chain(b7x3, x), maxPool(x, 2, 0));
        }
    }

    /** Mixed_7b/c: expanded 3×3 branches; {@code maxPoolBranch} for Mixed_7c (FIDInceptionE_2). */
    static final class E extends Block {
        private final BasicConv2d b1x1;
        private final BasicConv2d b3;
        private final BasicConv2d b3a;
        private final BasicConv2d b3b;
        private final BasicConv2d d1;
        private final BasicConv2d d2;
        private final BasicConv2d d3a;
        private final BasicConv2d d3b;
        private final BasicConv2d pool;
        private final boolean maxPoolBranch;

        E(long in, boolean maxPoolBranch) {
            b1x1 = child("branch1x1", new BasicConv2d(in, 320, 1, 1, 0));
            b3 = child("branch3x3_1", new BasicConv2d(in, 384, 1, 1, 0));
            b3a = child("branch3x3_2a", new BasicConv2d(384, 384, 1, 3, 1, 0, 1));
            b3b = child("branch3x3_2b", new BasicConv2d(384, 384, 3, 1, 1, 1, 0));
            d1 = child("branch3x3dbl_1", new BasicConv2d(in, 448, 1, 1, 0));
            d2 = child("branch3x3dbl_2", new BasicConv2d(448, 384, 3, 1, 1));
            d3a = child("branch3x3dbl_3a", new BasicConv2d(384, 384, 1, 3, 1, 0, 1));
            d3b = child("branch3x3dbl_3b", new BasicConv2d(384, 384, 3, 1, 1, 1, 0));
            pool = child("branch_pool", new BasicConv2d(in, 192, 1, 1, 0));
            this.maxPoolBranch = maxPoolBranch;
        }

        @Override
        Tensor forward(Tensor x) {
            Tensor t = b3.forward(x);
            Tensor d = d2.forward(d1.forward(x));
            Tensor pooled = maxPoolBranch ? maxPool(x, 1, 1) : avgPool3(x);
            return cat(b1x1.forward(x), cat(b3a.forward(t), b3b.forward(t)), cat(d3a.forward(d), d3b.forward(d)),
                    pool.forward(pooled));
        }
    }
}
