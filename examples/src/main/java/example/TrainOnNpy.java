package example;

import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.nn.Presets;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.train.TrainSettings;
import ddpm4j.train.Trainer;

import java.nio.file.Path;

/** Trains a few steps on a uint8 .npy of images ([N,H,W] or [N,H,W,C]) and saves a model directory. */
public final class TrainOnNpy {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: TrainOnNpy IMAGES.npy OUT");
            System.exit(2);
        }
        Path data = Path.of(args[0]);
        Path out = Path.of(args[1]);
        // README:begin
        ImageSet images = DataSpecs.load(data.toString()); // .npy/.npz, an image folder or e.g. "fashion-mnist:train"
        UNetConfig arch = Presets.forImages(Presets.get("quick28"), images.height(), images.width(), images.channels(),
                false, null, null); // ε-prediction, the preset's dropout, no classes
        TrainSettings settings = TrainSettings.builder().steps(20).batchSize(8).warmup(5).checkpointEvery(20)
                .sampleEvery(20).sampleCount(4).sampleSteps(5).build(); // the rest: the paper's recipe
        try (Trainer trainer = Trainer.start(out, arch, SchedulerConfig.paper(), settings, images)) {
            trainer.run(new Trainer.Listener() {
                @Override
                public void stepped(Trainer.Step step) {
                    System.out.printf("step %d loss %.4f%n", step.step(), step.loss());
                }
            });
        } // out: a model directory (EMA weights) with training_state/, metrics.jsonl, samples/, logs/
        try (Model m = ModelDirectory.load(out)) {
            System.out.println("saved " + out + ": " + m.unet().parameterCount() + " parameters");
        }
        // README:end
    }
}
