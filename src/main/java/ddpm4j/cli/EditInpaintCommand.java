package ddpm4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.data.ImageSet;
import ddpm4j.data.InpaintingMasks;
import ddpm4j.eval.InpaintingError;
import ddpm4j.io.Images;
import ddpm4j.io.Model;
import ddpm4j.sample.Editing;
import ddpm4j.sample.Generation;
import ddpm4j.sample.Noise;
import ddpm4j.sample.KnownRegion;
import ddpm4j.sample.RePaintSampler;
import ddpm4j.sample.Sampler;
import ddpm4j.sample.Samplers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ddpm4j edit inpaint}: RePaint, or the replacement method without resampling. */
@Command(name = "inpaint", mixinStandardHelpOptions = true,
        description = "Inpainting with an unconditional model (RePaint, Lugmayr et al. 2022, as diffusers' RePaintPipeline): at every"
                + " step the kept pixels are the image noised to that step and the rest the model's; every jump length the loop goes"
                + " back up and samples again (resampling). The kept pixels of the result are the input's. Image k's noise depends"
                + " only on (seed, k).")
final class EditInpaintCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Mixin
    EditOptions edit;

    @Mixin
    Reports reports;

    @Option(names = "--mask", required = true, paramLabel = "MASK",
            description = "Which pixels to keep, as diffusers' RePaintPipeline: white (>= 128) keep, black inpaint. A PNG or JPEG"
                    + " (resized to the model's size, colours turned gray) or a uint8 .npy; one mask for every image, or one per image (of those taken, or of all of --image).")
    String mask;

    @Option(names = "--invert-mask", description = "White inpaints and black keeps instead (as Stable Diffusion's inpainting masks).")
    boolean invertMask;

    @Option(names = "--method", defaultValue = "repaint", paramLabel = "NAME",
            description = "repaint: with jumps back up (resampling); replace: the replacement method, one pass down, no resampling"
                    + " (RePaint with --jump-n-sample 1) (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--steps", defaultValue = "" + RePaintSampler.DEFAULT_STEPS, paramLabel = "S", description = "Steps down, of stride T/S (default: ${DEFAULT-VALUE}, as diffusers).")
    int steps;

    @Option(names = "--jump-length", defaultValue = "" + RePaintSampler.DEFAULT_JUMP_LENGTH, paramLabel = "J", description = "Steps per jump back up (default: ${DEFAULT-VALUE}).")
    int jumpLength;

    @Option(names = "--jump-n-sample", defaultValue = "" + RePaintSampler.DEFAULT_JUMP_N_SAMPLE, paramLabel = "R",
            description = "Each stretch of J steps is sampled R times (default: ${DEFAULT-VALUE}).")
    int jumpNSample;

    @Option(names = "--eta", defaultValue = "" + RePaintSampler.DEFAULT_ETA, paramLabel = "E", description = "Noise of the inpainted pixels' steps: 0 DDIM, 1 DDPM-like (default: ${DEFAULT-VALUE}).")
    double eta;

    @Mixin
    SeedOption seed;

    @Mixin
    BatchSizeOption batch;

    @Override
    public Integer call() throws Exception {
        edit.validate();
        String kind = method.toLowerCase(Locale.ROOT);
        if (!kind.equals("repaint") && !kind.equals("replace")) {
            throw new UserException("--method must be repaint or replace, got '" + method + "'");
        }
        int resamples = kind.equals("replace") ? 1 : jumpNSample;
        batch.validate();
        if (edit.gif() && reports.json != null) {
            throw new UserException("--json reports the errors of inpainted images; an animation (.gif) has none");
        }
        reports.prepare();
        options.apply();
        Outputs.prepare(edit.out);
        try (Model m = model.load(options)) {
            ImageSet set = edit.images(m);
            Editing.Images images = EditOptions.modelSpace(set);
            Editing.Images masks = masks(m, set);
            Sampler s;
            try {
                s = Samplers.rePaint(m.scheduler(), steps, jumpLength, resamples, eta);
            } catch (IllegalArgumentException e) {
                throw new UserException("--" + e.getMessage().replace("jump_length", "jump-length").replace("jump_n_sample", "jump-n-sample"));
            }
            Generation.PerImages net = (first, n) -> ClassOptions.unconditional(m);
            if (edit.gif()) {
                edit.animate(m, images, Noise.perImage(seed.value), "inpaint", s.passes(), s.passes(), (x0, noise, listener, trajectory) ->
                        s.sample(net.of(0, images.count()), noise.next(m.device()), new KnownRegion(x0, masks.batch(m.device(), 0, masks.count())), noise,
                                listener, trajectory));
                return 0;
            }
            float[] out;
            try (Progress progress = new Progress("inpaint", (long) set.count() * s.passes())) {
                out = Editing.inpaint(net, m.device(), s, Noise.perImage(seed.value), images, masks, batch.value, progress::step);
            }
            edit.write(out, 1, set, List.of(images.pixels(), masked(images, masks)));
            byte[] result = Images.toUint8Nhwc(out, set.count(), set.channels(), set.height(), set.width());
            InpaintingError error = InpaintingError.of(result, set.pixels(), masks.pixels(), set.channels());
            System.err.printf(Locale.ROOT, "mean squared error (pixels in [0,1]): kept region %.3g, inpainted region %.4f (against the input)%n",
                    error.known(), error.inpainted());
            ObjectNode o = reports.object();
            o.put("images", set.count());
            o.put("source", edit.image);
            o.put("mask", mask);
            o.put("method", kind);
            o.put("steps", steps);
            o.put("jump_length", jumpLength);
            o.put("jump_n_sample", resamples);
            o.put("eta", eta);
            o.put("seed", seed.value);
            o.put("network_passes", s.passes());
            o.put("known_mse", error.known());
            o.put("inpainted_mse", error.inpainted());
            reports.write(o);
        }
        return 0;
    }

    /** The masks as 1 keep / 0 inpaint, [N or 1, 1, H, W] ({@link InpaintingMasks}). */
    private Editing.Images masks(Model m, ImageSet images) throws java.io.IOException {
        ImageSet read = EditOptions.read(mask, "--mask", m, 1);
        InpaintingMasks masks;
        try {
            masks = InpaintingMasks.of(read, edit.index, images.count(), edit.sourceCount(), invertMask);
        } catch (IllegalArgumentException e) {
            throw new UserException("--mask: " + mask + " holds " + read.count() + " masks for " + images.count()
                    + " images (give one, one per image taken, or one per image of --image)");
        }
        if (masks.keepsNothing()) {
            System.err.println("ddpm4j: warning: --mask keeps no pixel (white, >= " + InpaintingMasks.KEEP_FROM + ", keeps"
                    + (invertMask ? "; inverted" : "") + "): every pixel is inpainted");
        }
        return new Editing.Images(masks.keep(), masks.count(), new long[] {1, masks.height(), masks.width()});
    }

    /** The inputs with the pixels to inpaint shown mid-gray, for --compare. */
    private static float[] masked(Editing.Images images, Editing.Images masks) {
        float[] out = images.pixels().clone();
        int c = (int) images.imageShape()[0];
        int hw = (int) (images.imageShape()[1] * images.imageShape()[2]);
        for (int i = 0; i < images.count(); i++) {
            int maskBase = masks.count() == 1 ? 0 : i * hw;
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < hw; p++) {
                    if (masks.pixels()[maskBase + p] < 0.5f) {
                        out[(i * c + ch) * hw + p] = 0f;
                    }
                }
            }
        }
        return out;
    }
}
