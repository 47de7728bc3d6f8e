package ddpm4j.nn;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/** The native module tree of {@link UNet2DModel}, registered under the diffusers state-dict names. */
final class UNetModule extends Layer {
    private final UNetConfig config;
    private final TimestepEmbedding timeEmbedding;
    private final ClassEmbedding classEmbedding;
    private final Conv2d convIn;
    private final ModuleList<DownBlock> downBlocks;
    private final MidBlock midBlock;
    private final ModuleList<UpBlock> upBlocks;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    UNetModule(UNetConfig config) {
        this.config = config;
        List<Integer> ch = config.blockOutChannels();
        int levels = config.levels();
        timeEmbedding = child("time_embedding", new TimestepEmbedding(ch.get(0), config.flipSinToCos(),
                config.freqShift(), config.timeEmbedChannels()));
        classEmbedding = config.classConditional()
                ? child("class_embedding", new ClassEmbedding(config.numClassEmbeds(), config.timeEmbedChannels()))
                : null;
        convIn = child("conv_in", Conv2d.same3x3(config.inChannels(), ch.get(0), 1.0));
        downBlocks = child("down_blocks", new ModuleList<>());
        int out = ch.get(0);
        for (int i = 0; i < levels; i++) {
            int in = out;
            out = ch.get(i);
            downBlocks.add(new DownBlock(config, config.downBlockTypes().get(i), in, out, i < levels - 1));
        }
        midBlock = child("mid_block", new MidBlock(config, ch.get(levels - 1)));
        upBlocks = child("up_blocks", new ModuleList<>());
        out = ch.get(levels - 1);
        for (int i = 0; i < levels; i++) {
            int prevOut = out;
            out = ch.get(levels - 1 - i);
            int in = ch.get(Math.max(levels - 2 - i, 0));
            upBlocks.add(new UpBlock(config, config.upBlockTypes().get(i), in, out, prevOut, i < levels - 1));
        }
        convNormOut = child("conv_norm_out", new GroupNorm(config.normNumGroups(), ch.get(0), config.normEps()));
        convOut = child("conv_out", Conv2d.same3x3(ch.get(0), config.outChannels(), WeightInit.ZERO_SCALE));
    }

    /** @param labels class labels [B] for a class-conditional network, else null */
    Tensor forward(Tensor x, Tensor t, Tensor labels) {
        if (x.dim() != 4 || x.size(1) != config.inChannels()) {
            throw new IllegalArgumentException("expected input [B," + config.inChannels() + ",H,W], got "
                    + java.util.Arrays.toString(ddpm4j.torch.Tensors.shape(x)));
        }
        long factor = 1L << (config.blockOutChannels().size() - 1); // each level but the last halves the size
        if (x.size(2) % factor != 0 || x.size(3) % factor != 0) {
            throw new IllegalArgumentException("input of " + x.size(2) + "×" + x.size(3) + ": height and width must be multiples of "
                    + factor + " for this network (it halves them " + (config.blockOutChannels().size() - 1) + " times)");
        }
        if (t.dim() > 1 || t.numel() != x.size(0) && t.numel() != 1) {
            throw new IllegalArgumentException("timesteps of shape " + java.util.Arrays.toString(ddpm4j.torch.Tensors.shape(t))
                    + " for a batch of " + x.size(0) + "; give [B] or one");
        }
        if (t.is_complex() || t.scalar_type() == torch.ScalarType.Bool) {
            throw new IllegalArgumentException("timesteps must be numbers, got " + t.scalar_type());
        }
        // fractional and negative timesteps are allowed, as diffusers' UNet2DModel takes them (the Euler family visits fractional
        // ones; an EDM network sees c_noise = ln(σ)/4, negative below σ = 1); NaN and infinities are not numbers it can embed
        if (!t.is_meta() && t.is_floating_point() && !torch.isfinite(t).all().item_bool()) {
            throw new IllegalArgumentException("timesteps must be finite numbers");
        }
        Tensor timesteps = t.numel() == 1 ? t.reshape(1).expand(x.size(0)) : t.reshape(-1);
        if (config.centerInputSample()) {
            x = x.mul(new Scalar(2.0)).sub(new Scalar(1.0));
        }
        Tensor temb = timeEmbedding.forward(timesteps);
        if (classEmbedding != null) {
            if (labels == null || labels.numel() != x.size(0)) {
                throw new IllegalArgumentException("this network is class-conditional: give one class label per image");
            }
            temb = temb.add(classEmbedding.forward(labels));
        } else if (labels != null) {
            throw new IllegalArgumentException("this network is not class-conditional (config.json has no num_class_embeds)");
        }
        Tensor h = convIn.forward(x);
        List<Tensor> skips = new ArrayList<>();
        skips.add(h);
        for (DownBlock block : downBlocks.items()) {
            h = block.forward(h, temb, skips);
        }
        h = midBlock.forward(h, temb);
        for (UpBlock block : upBlocks.items()) {
            h = block.forward(h, temb, skips);
        }
        return convOut.forward(torch.silu(convNormOut.forward(h)));
    }

    /** {@link #forward} in {@code g}: float32 {@code sample [B,C,H,W]}, float32 {@code timesteps [B]} (or one), int64 {@code labels [B]} or null. */
    String trace(GraphBuilder g, String x, String timesteps, String labels) {
        if ((classEmbedding == null) != (labels == null)) {
            throw new IllegalArgumentException(classEmbedding == null ? "this network is not class-conditional" : "this network is class-conditional: give class labels");
        }
        if (config.centerInputSample()) {
            x = g.node("Sub", g.scale(x, 2.0), g.constant(new float[] {1f}));
        }
        String temb = timeEmbedding.trace(g, timesteps);
        if (classEmbedding != null) {
            temb = g.add(temb, classEmbedding.trace(g, labels));
        }
        String h = convIn.trace(g, x);
        List<String> skips = new ArrayList<>();
        skips.add(h);
        for (DownBlock block : downBlocks.items()) {
            h = block.trace(g, h, temb, skips);
        }
        h = midBlock.trace(g, h, temb);
        for (UpBlock block : upBlocks.items()) {
            h = block.trace(g, h, temb, skips);
        }
        return convOut.trace(g, g.silu(convNormOut.trace(g, h)));
    }
}
