package ddpm4j.cli;

import ddpm4j.data.ImageSet;
import ddpm4j.io.Model;
import ddpm4j.sample.Editing;
import ddpm4j.sample.Generation;
import ddpm4j.sample.ImageToImage;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.TracedSampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j edit img2img}: SDEdit with any scheduler. */
@Command(name = "img2img", mixinStandardHelpOptions = true,
        description = "Image-to-image (SDEdit, Meng et al. 2022), as diffusers' pipelines' strength: each image is noised with"
                + " q(x_t|x_0) to the step the strength selects, then the scheduler denoises it from there. With the"
                + " per-image generator, image k's noise depends only on (seed, k).")
final class EditImg2ImgCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Mixin
    EditOptions edit;

    @Mixin
    SamplerOptions sampling = new SamplerOptions(Samplers.DEFAULT);

    @Option(names = "--strength", required = true, split = ",", paramLabel = "S[,S...]",
            description = "How much of each image is redone, in [0, 1]: 0 returns it, 1 samples anew from pure noise. Several"
                    + " strengths give one result each per image, in that order (a row per image in a PNG).")
    List<Double> strengths;

    @Override
    public Integer call() throws Exception {
        edit.validate();
        for (double s : strengths) {
            if (!(s >= 0 && s <= 1)) {
                throw new UserException("--strength must be in [0, 1], got " + s);
            }
        }
        if (edit.gif() && strengths.size() > 1) {
            throw new UserException("an animation shows one strength; got " + strengths.size());
        }
        sampling.validate();
        options.apply();
        Outputs.prepare(edit.out);
        try (Model m = model.load(options)) {
            ImageSet set = edit.images(m);
            Editing.Images images = EditOptions.modelSpace(set);
            TracedSampler s = sampling.build(m.scheduler());
            Generation.PerImages net = (first, n) -> ClassOptions.unconditional(m);
            if (edit.gif()) {
                double strength = strengths.get(0);
                edit.animate(m, images, sampling.noise(), "edit", s.passes(), ImageToImage.passes(s, strength),
                        (x0, noise, listener, trajectory) -> ImageToImage.edit(s, net.of(0, images.count()), x0, strength, noise, listener, trajectory));
                return 0;
            }
            int per = images.per();
            int k = strengths.size();
            float[] out = new float[set.count() * k * per];
            long work = 0;
            for (double strength : strengths) {
                work += (long) set.count() * ImageToImage.passes(s, strength);
            }
            try (Progress progress = new Progress("edit", work)) {
                for (int j = 0; j < k; j++) {
                    float[] r = Editing.imageToImage(net, m.device(), s, strengths.get(j), sampling.noise(), images, sampling.batch.value,
                            progress::step);
                    for (int i = 0; i < set.count(); i++) {
                        System.arraycopy(r, i * per, out, (i * k + j) * per, per);
                    }
                }
            }
            edit.write(out, k, set, List.of(images.pixels()));
        }
        return 0;
    }
}
