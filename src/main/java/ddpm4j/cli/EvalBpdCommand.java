package ddpm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.eval.BitsPerDim;
import ddpm4j.io.AtomicFiles;
import ddpm4j.io.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j eval bpd}: the variational bound on the negative log-likelihood, in bits/dim. */
@Command(name = "bpd", mixinStandardHelpOptions = true,
        description = {"Negative log-likelihood bound in bits/dim (Ho et al. 2020, Table 1), as the original"
                + " calc_bpd_loop: prior term + a KL term per step + the discretized decoder at t = 1.",
                "Runs T network passes per batch; x_t is drawn afresh at each t, so results are Monte-Carlo"
                        + " estimates (seeded)."})
final class EvalBpdCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "Images: fashion-mnist:test, mnist:test, cifar10:test, or a uint8 .npy/.npz [N,H,W,C].")
    String data;

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N images.")
    Integer limit;

    @Mixin
    BatchSizeOption batch;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "K", description = "Seed of the x_t draws (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--clip", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Clip the predicted x0 to [-1,1], as the original (default: on).")
    boolean clip;

    @Option(names = "--json", paramLabel = "OUT.json",
            description = "Per-image totals, prior, decoder, per-t terms and x0 MSE." + Outputs.CREATES_FOLDERS)
    Path json;

    @Override
    public Integer call() throws Exception {
        if (json != null) {
            Outputs.extension(json, "--json", List.of("json"));
        }
        batch.validate();
        Checks.atLeast("--limit", limit, 1);
        options.apply();
        ImageSet images = DataSpecs.load(data);
        if (limit != null) {
            images = images.limit(limit);
        }
        if (json != null) {
            Outputs.prepare(json);
        }
        try (ddpm4j.dist.Group group = Distributed.join(options); Model m = model.load(options)) {
            Checks.channels(data, images.channels(), m.unet().config().inChannels());
            int side = m.unet().config().sampleSize();
            if (images.height() != side || images.width() != side) {
                throw new UserException(data + ": images are " + images.height() + "x" + images.width() + " but the model was trained on "
                        + side + "x" + side + " (bits/dim are only defined at the model's size)");
            }
            GaussianDiffusion diffusion = GaussianDiffusion.of(m.scheduler());
            int n = images.count();
            int steps = diffusion.schedule().steps();
            BitsPerDim.Result result;
            int batches = ddpm4j.dist.ShardedBatches.batchesOf(n, batch.value, 0, group.size());
            try (Progress progress = Progress.forRank(group, "bpd", (long) batches * steps)) {
                result = BitsPerDim.evaluate(ClassOptions.unconditional(m), m.device(), diffusion, images, batch.value, seed, clip,
                        (done, total) -> progress.step(1), group);
            }
            if (group.isMain()) {
                report(result, n, steps, m.unet().precision());
            }
        }
        return 0;
    }

    private void report(BitsPerDim.Result r, int n, int steps, ddpm4j.torch.Precision precision) throws java.io.IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ArrayNode perImage = mapper.createArrayNode();
        for (int i = 0; i < r.total().length; i++) {
            ObjectNode img = perImage.addObject();
            img.put("total_bpd", r.total()[i]);
            img.put("prior_bpd", r.prior()[i]);
            img.put("decoder_bpd", r.decoder()[i]);
            ArrayNode terms = img.putArray("terms_bpd");
            ArrayNode mse = img.putArray("x0_mse");
            for (int t = 0; t < steps; t++) {
                terms.add(r.terms()[i][t]);
                mse.add(r.mse()[i][t]);
            }
        }
        System.out.printf("bits/dim: %.4f ± %.4f (standard error, %d images, T = %d); prior %.3g, decoder %.4f%n",
                r.mean(), r.standardError(), n, steps, r.meanPrior(), r.meanDecoder());
        if (json != null) {
            root.put("model", model.toString());
            root.put("data", data);
            root.put("images", n);
            root.put("timesteps", steps);
            root.put("clip", clip);
            root.put("seed", seed);
            root.put("precision", precision.toString());
            root.put("mean_bpd", r.mean());
            root.put("stderr_bpd", r.standardError());
            root.put("mean_prior_bpd", r.meanPrior());
            root.put("mean_decoder_bpd", r.meanDecoder());
            root.put("terms_index", "terms_bpd[t] and x0_mse[t] for 0-based t; t = 0 is the decoder");
            root.set("per_image", perImage);
            AtomicFiles.write(json, mapper.writeValueAsBytes(root));
            System.err.println("wrote " + json);
        }
    }
}
