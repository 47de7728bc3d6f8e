package ddpm4j.cli;

import ddpm4j.io.Model;
import ddpm4j.io.Npy;
import ddpm4j.nn.UNet2DModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j predict}: one forward pass of the network over arrays from files. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Run the network once: OUT = model(X, T).",
                "X is float32 [N,C,H,W] in model space, T holds N timesteps (or one for all);"
                        + " OUT is float32 [N,out_channels,H,W]."})
final class PredictCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Option(names = "--x", required = true, paramLabel = "X.npy", description = "Network input, float [N,C,H,W].")
    Path x;

    @Option(names = "--t", required = true, paramLabel = "T.npy", description = "Timesteps, [N] or a single value: integers in"
            + " 0..T-1 (T: the model's num_train_timesteps) for a process of β's; any finite numbers for a network that takes"
            + " continuous ones (an EDM process's ln(σ)/4, a consistency model's 250 ln σ).")
    Path t;

    @Option(names = "--class", paramLabel = "Y.npy", description = "Class labels of a class-conditional network, integers [N].")
    Path labels;

    @Option(names = "--out", required = true, paramLabel = "OUT.npy",
            description = "Where to write the output." + Outputs.CREATES_FOLDERS)
    Path out;

    @Mixin
    BatchSizeOption batch;

    @Override
    public Integer call() throws Exception {
        Outputs.extension(out, "--out", List.of("npy"));
        batch.validate();
        options.apply();
        Npy.Array xa = Npy.read(x).requireFinite(x);
        Npy.Array ta = Npy.read(t);
        if (xa.shape().length != 4) {
            throw new UserException(x + ": expected [N,C,H,W], got shape " + Arrays.toString(xa.shape()));
        }
        int n = (int) xa.shape()[0];
        if (n == 0) {
            throw new UserException(x + ": holds no inputs (shape " + Arrays.toString(xa.shape()) + ")");
        }
        int c = (int) xa.shape()[1];
        int h = (int) xa.shape()[2];
        int w = (int) xa.shape()[3];
        if (ta.shape().length > 1) {
            throw new UserException(t + ": expected timesteps [N] or a single value, got shape " + Arrays.toString(ta.shape()));
        }
        double[] timesteps = ta.toDoubles();
        if (timesteps.length != n && timesteps.length != 1) {
            throw new UserException(t + ": holds " + timesteps.length + " timesteps for " + n + " inputs");
        }
        long[] y = labels == null ? null : Npy.read(labels).toLongs(labels);
        if (y != null && y.length != n) {
            throw new UserException(labels + ": holds " + y.length + " labels for " + n + " inputs");
        }
        try (Model m = model.load(options)) {
            UNet2DModel unet = m.unet();
            Checks.channels(x, c, unet.config().inChannels());
            if (unet.config().classConditional() != (y != null)) {
                throw new UserException(y == null ? "this network is class-conditional: give --class Y.npy, one label per input"
                        : "--class: this network is not class-conditional (config.json has no num_class_embeds)");
            }
            try {
                m.checkTimesteps(timesteps);
            } catch (IllegalArgumentException e) {
                throw new UserException(t + ": " + e.getMessage());
            }
            float[] result;
            Outputs.prepare(out);
            try (Progress progress = new Progress("predict", n)) {
                result = m.predictAll(xa.toFloats(), new long[] {c, h, w}, timesteps, y, batch.value, progress::step);
            } catch (IllegalArgumentException e) {
                throw new UserException(x + ": " + e.getMessage());
            }
            Npy.writeFloats(out, new long[] {n, unet.config().outChannels(), h, w}, result);
        }
        return 0;
    }
}
